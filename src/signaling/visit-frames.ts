import { frameOf } from '../realtime/socket-events';
import {
  callPeersOf,
  hasGuest,
  hearsAbout,
  isPoliteToward,
  RoomSnapshot,
  Seat,
  seatList,
  seatOnSide,
} from './visit-room';

/** A frame for one participant's socket, wherever it is. */
export interface Outgoing {
  to: Pick<Seat, 'instanceId' | 'connectionId'> | undefined;
  text: string;
}

/** Why a participant is no longer in the visit, as the others hear it. */
export type LeftReason = 'left' | 'disconnected' | 'removed';

/** With a guest in the visit, who is polite is said per pair (see `describeSeats`). */
function peerJoined(room: RoomSnapshot, to: Seat, about: Seat): Outgoing {
  return {
    to,
    text: frameOf('session.peer-joined', {
      appointmentId: room.appointmentId,
      userId: about.userId,
      role: about.role,
      displayName: about.displayName,
      ...(hasGuest(room.seats) ? { polite: isPoliteToward(to, about) } : {}),
    }),
  };
}

/**
 * The participant just entered the call: they and each other participant in it learn about
 * each other, a fresh peer to negotiate with (one connection per pair).
 */
export function peersJoined(room: RoomSnapshot, userId: string): Outgoing[] {
  const me = room.seats[userId];
  return callPeersOf(room.seats, userId).flatMap((peer) => [
    peerJoined(room, me, peer),
    peerJoined(room, peer, me),
  ]);
}

/**
 * `session.waiting` about a participant who joined and is not yet admitted, for the host: the
 * patient as `patient` (as always), a guest as `participant` with their role.
 */
export function waitingFrame(room: RoomSnapshot, seat: Seat | undefined): string | undefined {
  if (!seat?.connectionId || seat.admitted) {
    return undefined;
  }
  const { appointmentId } = room;
  const { userId, role, displayName } = seat;
  return frameOf(
    'session.waiting',
    seat.side === 'patient'
      ? { appointmentId, patient: { userId, displayName } }
      : { appointmentId, participant: { userId, role, displayName } },
  );
}

/** Every `session.waiting` the host should see now: the patient first, then waiting guests. */
export function waitingFrames(room: RoomSnapshot): string[] {
  const seats = seatList(room.seats).sort(
    (a, b) => Number(b.side === 'patient') - Number(a.side === 'patient'),
  );
  return seats
    .map((seat) => waitingFrame(room, seat))
    .filter((text): text is string => text !== undefined);
}

/** The same frame for everyone in `room` who hears about `about`. */
function toThoseWhoHear(room: RoomSnapshot, about: Seat, text: string): Outgoing[] {
  return seatList(room.seats)
    .filter((seat) => hearsAbout(seat, about))
    .map((seat) => ({ to: seat, text }));
}

/**
 * Who a peer event is about: by user id, and in a visit with a guest also by role and name
 * (a visit of two names only the user id, as it always has).
 */
function about(room: RoomSnapshot, seat: Seat) {
  const { appointmentId } = room;
  const { userId, role, displayName } = seat;
  return hasGuest(room.seats) || seat.side === 'guest'
    ? { appointmentId, userId, role, displayName }
    : { appointmentId, userId };
}

/** The others hear that this seat's participant left, was removed, or was gone past the grace. */
export function peerLeft(room: RoomSnapshot, seat: Seat, reason: LeftReason): Outgoing[] {
  const text = frameOf('session.peer-left', { ...about(room, seat), reason });
  // `seat` is no longer in the room: whether one hears of it is judged as it was.
  return toThoseWhoHear(room, seat, text);
}

/** The others hear that this participant's socket dropped (their seat is kept for the grace). */
export function peerReconnecting(room: RoomSnapshot, userId: string): Outgoing[] {
  const seat = room.seats[userId];
  return toThoseWhoHear(room, seat, frameOf('session.peer-reconnecting', about(room, seat)));
}

/** The others hear that this participant came back within the grace. */
export function peerReconnected(room: RoomSnapshot, userId: string): Outgoing[] {
  const seat = room.seats[userId];
  return toThoseWhoHear(room, seat, frameOf('session.peer-reconnected', about(room, seat)));
}

/** Everyone who sat in the visit before its seats were cleared hears the same `ended`. */
export function everyoneEnded(before: RoomSnapshot, ended: string): Outgoing[] {
  return seatList(before.seats).map((seat) => ({ to: seat, text: ended }));
}

/** The host's seat, for frames only the host gets. */
export function hostOf(room: RoomSnapshot): Seat | undefined {
  return seatOnSide(room.seats, 'clinician');
}
