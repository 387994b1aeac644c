/**
 * What the server sends (PRODUCT.md §3), declared once for both sides: the client's protocol.ts
 * re-exports it and the server's frames are typed by it (src/realtime/socket-events.ts). A
 * declaration file, so neither build emits it, and free of DOM types, so the server (no DOM lib)
 * reads it the same as the browser does; the shapes below are those of the DOM's WebRTC types.
 */

/** The two sides of an appointment. */
export type Role = 'patient' | 'clinician';
/**
 * Who someone invited into a visit is (PRODUCT §9). A guest clinician has role `clinician` too;
 * the host is the appointment's own clinician (its `clinicianId`).
 */
export type GuestRole = 'interpreter' | 'caregiver' | 'clinician';
/** Anyone who may sit in a visit: its patient, its clinician, or a guest. */
export type ParticipantRole = Role | GuestRole;

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
    | { reason: 'cancelled' | 'no_show' | 'completed'; by?: undefined }
    /** Only to the one the host removed (`session.remove`); the others get `peer-left`. */
    | { reason: 'removed'; by?: undefined }
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

/** Why a participant is gone: `removed` when the host removed them (`session.remove`). */
export type PeerLeftReason = 'left' | 'disconnected' | 'removed';

/** Who a peer event is about: always the user id; in a visit with a guest, role and name too. */
export type PeerNamed = { userId: string } & Partial<Omit<VisitParticipant, 'userId'>>;

/** Someone in the waiting room, as `session.waiting` names them. */
export interface WaitingParticipant {
  userId: string;
  role: ParticipantRole;
  displayName: string;
}

/** Server → client events (other than acks) and their data. */
export interface ServerEvents {
  /**
   * To the host clinician: someone entered the waiting room: the patient (`patient`, as in a
   * visit of two) or a guest (`participant`, with their role).
   */
  'session.waiting': AppointmentRef &
    (
      | { patient: { userId: string; displayName: string }; participant?: undefined }
      | { participant: WaitingParticipant; patient?: undefined }
    );
  /**
   * `polite` (in a visit with a guest): whether the recipient is the polite side toward this
   * peer (one answer per pair). In a visit of two the join ack's `polite` says it, as before.
   */
  'session.peer-joined': AppointmentRef & VisitParticipant & { polite?: boolean };
  /** `role` and `displayName` too in a visit with a guest (a visit of two names the user id). */
  'session.peer-left': AppointmentRef & PeerNamed & { reason: PeerLeftReason };
  'session.peer-reconnecting': AppointmentRef & PeerNamed;
  'session.peer-reconnected': AppointmentRef & PeerNamed;
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
