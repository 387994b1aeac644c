import type { VisitSide } from '../appointments/visit-lifecycle.service';
import type { RoomSnapshot } from './visit-room';

/** A visit change, sent to each other instance holding (or having held) one of its seats. */
export interface RoomMessage {
  kind: 'visit.room';
  room: RoomSnapshot;
  frames: { connectionId: string; text: string }[];
}

/** A signal for a participant whose socket is on the receiving instance. */
export interface SignalMessage {
  kind: 'visit.signal';
  appointmentId: string;
  side: VisitSide;
  connectionId: string;
  text: string;
}

/** A frame for every socket of one user on the receiving instance. */
export interface UserMessage {
  kind: 'visit.user';
  userId: string;
  text: string;
}
