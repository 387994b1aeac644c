/**
 * What the server sends (PRODUCT.md §3), declared once for both sides: the client's protocol.ts
 * re-exports it and the server's frames are typed by it (src/realtime/socket-events.ts). A
 * declaration file, so neither build emits it, and free of DOM types, so the server (no DOM lib)
 * reads it the same as the browser does; the shapes below are those of the DOM's WebRTC types.
 */

export type Role = 'patient' | 'clinician';
/** How a visit's participants see each other: a guest is an interpreter, caregiver or clinician. */
export type ParticipantRole = Role | 'interpreter' | 'caregiver';

/** Someone in a visit, as the others hear of them. */
export interface VisitParticipant {
  userId: string;
  role: ParticipantRole;
  displayName: string;
}
export type PresenceStatus = 'available' | 'away' | 'busy' | 'in_call' | 'offline';

export interface AppointmentRef {
  appointmentId: string;
}

/** As RTCIceServer. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** As RTCSessionDescriptionInit. */
export interface SessionDescription {
  type: 'offer' | 'answer' | 'pranswer' | 'rollback';
  sdp?: string;
}

/** As RTCIceCandidateInit. */
export interface IceCandidate {
  candidate?: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** A signal's type decides its payload. `ice-candidate` null means end of candidates. */
export type SignalMessage =
  | { type: 'offer'; payload: SessionDescription }
  | { type: 'answer'; payload: SessionDescription }
  | { type: 'ice-candidate'; payload: IceCandidate | null }
  | { type: 'bye'; payload: Record<string, never> };

export type SignalType = SignalMessage['type'];

export interface Notification {
  id: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
  /** In the inbox and `notifications.sync` (not in the live frame): how it went out beyond sockets. */
  deliveries?: Delivery[];
}

export interface Delivery {
  channel: 'socket' | 'push' | 'email';
  status: 'sent' | 'failed' | 'held' | 'skipped';
  at: string;
}

export interface ErrorFrameData {
  /** Present when the error answers a client frame that carried an id. */
  id?: string;
  code: string;
  message: string;
  details?: unknown;
}

/** Why a visit ended for whoever was in it: ended by the clinician (`by`), or closed (`reason`). */
export type SessionEnded = AppointmentRef &
  (
    | { by: string; reason?: undefined }
    | { reason: 'cancelled' | 'no_show' | 'completed' | 'removed'; by?: undefined }
  );

/** A message of a visit's chat (PRODUCT §9), as `chat.message` and `chat.history` give it. */
export interface ChatMessage extends AppointmentRef {
  id: string;
  /** Order within the visit, from 1. */
  seq: number;
  /** The sender's user id. */
  from: string;
  role: ParticipantRole;
  displayName: string;
  text: string;
  sentAt: string;
}

/** Server → client events (other than acks) and their data. */
export interface ServerEvents {
  /** To the host: the patient (`patient`) or a guest (`participant`) joined and waits. */
  'session.waiting': AppointmentRef &
    (
      | { patient: { userId: string; displayName: string }; participant?: undefined }
      | { participant: VisitParticipant; patient?: undefined }
    );
  /**
   * `polite` (in a visit with a guest): whether the recipient is the polite peer toward this
   * one. In a visit of two the join ack's `polite` says it.
   */
  'session.peer-joined': AppointmentRef & VisitParticipant & { polite?: boolean };
  'session.peer-left': AppointmentRef & {
    userId: string;
    reason: 'left' | 'disconnected' | 'removed';
  };
  'session.peer-reconnecting': AppointmentRef & { userId: string };
  'session.peer-reconnected': AppointmentRef & { userId: string };
  'session.ended': SessionEnded;
  /** Another device of the same user took the visit over: this one must stop, not rejoin. */
  'session.replaced': AppointmentRef;
  'session.ice-servers': AppointmentRef & { iceServers: IceServer[] };
  signal: AppointmentRef & { from: string } & SignalMessage;
  'chat.message': ChatMessage;
  presence: { userId: string; status: PresenceStatus; lastSeenAt: string | null };
  notification: Notification;
  /** A watched clinician's free slots in [from, to) may have changed: search them again. */
  'slots.changed': { clinicianId: string; from: string; to: string };
  error: ErrorFrameData;
}

export type ServerEventName = keyof ServerEvents;
