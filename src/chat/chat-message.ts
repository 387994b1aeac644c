import type { ParticipantRole } from '../signaling/visit-room';

/** A stored chat message, as `chat.message`, `chat.history` and the REST list show it. */
export interface ChatMessageView {
  appointmentId: string;
  id: string;
  seq: number;
  from: string;
  role: ParticipantRole;
  displayName: string;
  text: string;
  sentAt: string;
}

export interface ChatMessageRow {
  id: string;
  appointment_id: string;
  seq: number;
  sender_id: string;
  sender_role: ParticipantRole;
  display_name: string;
  text: string;
  sent_at: Date;
}

export function viewOf(row: ChatMessageRow): ChatMessageView {
  return {
    appointmentId: row.appointment_id,
    id: row.id,
    seq: row.seq,
    from: row.sender_id,
    role: row.sender_role,
    displayName: row.display_name,
    text: row.text,
    sentAt: row.sent_at.toISOString(),
  };
}
