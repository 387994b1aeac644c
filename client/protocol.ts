/**
 * The Televisit WebSocket contract (PRODUCT.md §3), declared once: every event name and the
 * shape of its data. TelevisitSocket and VisitCall are typed from these maps, so a renamed event
 * or a changed payload is a compile error in both.
 */

import type {
  AppointmentRef,
  ChatMessage,
  IceServer,
  Notification,
  ParticipantRole,
  SignalMessage,
} from './server-events';

export type {
  AppointmentRef,
  ChatMessage,
  Delivery,
  ErrorFrameData,
  IceCandidate,
  IceServer,
  Notification,
  ParticipantRole,
  PresenceStatus,
  Role,
  ServerEventName,
  ServerEvents,
  SessionDescription,
  SessionEnded,
  SignalMessage,
  SignalType,
} from './server-events';

export type ParticipantState = 'waiting' | 'admitted' | 'reconnecting';
/** What a client may set; `in_call` and `offline` are the server's to decide. */
export type SettablePresenceStatus = 'available' | 'away' | 'busy';

export interface Participant {
  userId: string;
  role: ParticipantRole;
  displayName: string;
  state: ParticipantState;
  /** Whether I am the polite peer toward this participant (absent for myself). */
  polite?: boolean;
}

export interface SessionJoinResult extends AppointmentRef {
  role: ParticipantRole;
  state: 'waiting' | 'admitted';
  participants: Participant[];
  iceServers: IceServer[];
  polite: boolean;
  /** True when this join took back a seat held open after a drop (within 30 s). */
  resumed: boolean;
}

/** The contract names no fields for these acks beyond `id`; whatever the server adds is kept. */
export type UntypedResult = Record<string, unknown>;

/** Client → server commands: what each sends and what its ack carries (without `id`). */
export interface ClientCommands {
  'session.join': { data: AppointmentRef; result: SessionJoinResult };
  /** Without `userId`: the waiting patient. */
  'session.admit': { data: AppointmentRef & { userId?: string }; result: UntypedResult };
  /** The host sends a guest out: they get `session.ended {reason: "removed"}`. */
  'session.remove': { data: AppointmentRef & { userId: string }; result: UntypedResult };
  /** `to`: the recipient's user id; may be left out when there is one other participant. */
  signal: { data: AppointmentRef & { to?: string } & SignalMessage; result: UntypedResult };
  'session.leave': { data: AppointmentRef; result: UntypedResult };
  'session.end': { data: AppointmentRef; result: UntypedResult };
  'presence.set': { data: { status: SettablePresenceStatus }; result: UntypedResult };
  'notifications.sync': { data: { after?: string }; result: { items: Notification[] } };
  'chat.send': {
    data: AppointmentRef & { clientMessageId: string; text: string };
    /** The ack's `id` is the frame's; the stored message's id is `messageId`. */
    result: { messageId: string; seq: number; sentAt: string };
  };
  /** `after`: the seq of the last message the client has. */
  'chat.history': { data: AppointmentRef & { after?: number }; result: { items: ChatMessage[] } };
  'slots.watch': { data: { clinicianId: string }; result: { clinicianId: string } };
  'slots.unwatch': { data: { clinicianId: string }; result: { clinicianId: string } };
}

export type CommandName = keyof ClientCommands;
export type CommandData<C extends CommandName> = ClientCommands[C]['data'];
export type CommandResult<C extends CommandName> = ClientCommands[C]['result'];

export interface ClientFrame<C extends CommandName = CommandName> {
  event: C;
  data: CommandData<C>;
  id?: string;
}

/** Close codes with a meaning for reconnection. */
export const CloseCode = {
  normal: 1000,
  policyViolation: 1008,
  serverRestarting: 1012,
  accessRevoked: 4001,
} as const;
