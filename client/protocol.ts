/**
 * The Televisit WebSocket contract (PRODUCT.md §3), declared once: every event name and the
 * shape of its data. TelevisitSocket and VisitCall are typed from these maps, so a renamed event
 * or a changed payload is a compile error in both.
 */

export type Role = 'patient' | 'clinician';
export type ParticipantState = 'waiting' | 'admitted' | 'reconnecting';
export type PresenceStatus = 'available' | 'away' | 'busy' | 'in_call' | 'offline';
/** What a client may set; `in_call` and `offline` are the server's to decide. */
export type SettablePresenceStatus = 'available' | 'away' | 'busy';

export interface AppointmentRef {
  appointmentId: string;
}

export interface Participant {
  userId: string;
  role: Role;
  displayName: string;
  state: ParticipantState;
}

/** A signal's type decides its payload. `ice-candidate` null means end of candidates. */
export type SignalMessage =
  | { type: 'offer'; payload: RTCSessionDescriptionInit }
  | { type: 'answer'; payload: RTCSessionDescriptionInit }
  | { type: 'ice-candidate'; payload: RTCIceCandidateInit | null }
  | { type: 'bye'; payload: Record<string, never> };

export type SignalType = SignalMessage['type'];

export interface SessionJoinResult extends AppointmentRef {
  role: Role;
  state: 'waiting' | 'admitted';
  participants: Participant[];
  iceServers: RTCIceServer[];
  polite: boolean;
  /** True when this join took back a seat held open after a drop (within 30 s). */
  resumed: boolean;
}

export interface Notification {
  id: string;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

/** The contract names no fields for these acks beyond `id`; whatever the server adds is kept. */
export type UntypedResult = Record<string, unknown>;

/** Client → server commands: what each sends and what its ack carries (without `id`). */
export interface ClientCommands {
  'session.join': { data: AppointmentRef; result: SessionJoinResult };
  'session.admit': { data: AppointmentRef; result: UntypedResult };
  signal: { data: AppointmentRef & SignalMessage; result: UntypedResult };
  'session.leave': { data: AppointmentRef; result: UntypedResult };
  'session.end': { data: AppointmentRef; result: UntypedResult };
  'presence.set': { data: { status: SettablePresenceStatus }; result: UntypedResult };
  'notifications.sync': { data: { after?: string }; result: { items: Notification[] } };
  'slots.watch': { data: { clinicianId: string }; result: { clinicianId: string } };
  'slots.unwatch': { data: { clinicianId: string }; result: { clinicianId: string } };
}

export type CommandName = keyof ClientCommands;
export type CommandData<C extends CommandName> = ClientCommands[C]['data'];
export type CommandResult<C extends CommandName> = ClientCommands[C]['result'];

export interface ErrorFrameData {
  /** Present when the error answers a client frame that carried an id. */
  id?: string;
  code: string;
  message: string;
  details?: unknown;
}

/** Server → client events (other than acks) and their data. */
export interface ServerEvents {
  'session.waiting': AppointmentRef & { patient: { userId: string; displayName: string } };
  'session.peer-joined': AppointmentRef & { userId: string; role: Role; displayName: string };
  'session.peer-left': AppointmentRef & { userId: string; reason: 'left' | 'disconnected' };
  'session.peer-reconnecting': AppointmentRef & { userId: string };
  'session.peer-reconnected': AppointmentRef & { userId: string };
  'session.ended': AppointmentRef & { by: string };
  /** Another device of the same user took the visit over: this one must stop, not rejoin. */
  'session.replaced': AppointmentRef;
  'session.ice-servers': AppointmentRef & { iceServers: RTCIceServer[] };
  signal: AppointmentRef & { from: string } & SignalMessage;
  presence: { userId: string; status: PresenceStatus; lastSeenAt: string | null };
  notification: Notification;
  /** A watched clinician's free slots in [from, to) may have changed: search them again. */
  'slots.changed': { clinicianId: string; from: string; to: string };
  error: ErrorFrameData;
}

export type ServerEventName = keyof ServerEvents;

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
