import type { ParticipantRole } from '../../client/server-events';
import type { VisitSide } from '../appointments/visit-lifecycle.service';

export type { ParticipantRole };

/** At most this many frames wait for a participant who is reconnecting. */
export const MAX_QUEUED_FRAMES = 256;

/** Where a participant sits: the patient, the host (the appointment's clinician), or a guest. */
export type SeatSide = VisitSide | 'guest';

/** A participant's place in a visit, as stored in `visit_seats`. */
export interface Seat {
  side: SeatSide;
  role: ParticipantRole;
  userId: string;
  displayName: string;
  /** Where the participant's socket is; both null while they are reconnecting. */
  instanceId: string | null;
  connectionId: string | null;
  admitted: boolean;
}

/** A visit's seats, by participant (user id). */
export type Seats = Record<string, Seat>;

/** One visit's seats at one version. Instances send these to each other after every change. */
export interface RoomSnapshot {
  appointmentId: string;
  version: number;
  seats: Seats;
}

export function seatList(seats: Seats): Seat[] {
  return Object.values(seats);
}

export function seatOnSide(seats: Seats, side: VisitSide): Seat | undefined {
  return seatList(seats).find((seat) => seat.side === side);
}

export function seatHeldBy(room: RoomSnapshot, connectionId: string): Seat | undefined {
  for (const userId in room.seats) {
    const seat = room.seats[userId];
    if (seat.connectionId === connectionId) {
      return seat;
    }
  }
  return undefined;
}

/** Admitted and connected: media can flow with them. */
export function inCallSeat(seat: Seat | undefined): seat is Seat {
  return Boolean(seat?.admitted && seat.connectionId);
}

/** The others in the call with this participant (admitted and connected). */
export function callPeersOf(seats: Seats, userId: string): Seat[] {
  return seatList(seats).filter((seat) => seat.userId !== userId && inCallSeat(seat));
}

/**
 * Who hears about whom (joins, leaving, reconnecting): participants in the call about each
 * other, and the host about everyone, waiting or not (and everyone about the host). A waiting
 * guest hears nothing of the others until admitted.
 */
export function hearsAbout(listener: Seat, about: Seat): boolean {
  if (listener.userId === about.userId) {
    return false;
  }
  return (
    listener.side === 'clinician' ||
    about.side === 'clinician' ||
    (listener.admitted && about.admitted)
  );
}

/**
 * Whether one more guest may sit in the visit: guests take only the places the patient and the
 * host leave free of `maxParticipants`, so neither of them is ever turned away.
 */
export function roomForAGuest(seats: Seats, maxParticipants: number): boolean {
  return seatList(seats).filter((seat) => seat.side === 'guest').length < maxParticipants - 2;
}

const POLITE_RANK: Record<SeatSide, number> = { patient: 0, guest: 1, clinician: 2 };

/**
 * Perfect negotiation needs one polite peer per pair, agreed without a word: the patient is
 * polite to everyone, the host to no one, and between guests the smaller user id yields.
 */
export function isPoliteToward(
  me: Pick<Seat, 'side' | 'userId'>,
  other: Pick<Seat, 'side' | 'userId'>,
) {
  const rank = POLITE_RANK[me.side] - POLITE_RANK[other.side];
  return rank !== 0 ? rank < 0 : me.userId < other.userId;
}

const LISTED_RANK: Record<SeatSide, number> = { patient: 0, clinician: 1, guest: 2 };

/** A visit with a guest: only then is there more than one pair to say who is polite in. */
export function hasGuest(seats: Seats): boolean {
  return seatList(seats).some((seat) => seat.side === 'guest');
}

/**
 * The participants as the join ack shows them to `viewer`: the patient, the clinician, then
 * guests. With a guest in the visit each also says whether `viewer` is polite toward them; a
 * visit of two says it once, in the ack's `polite`, exactly as it always has.
 */
export function describeSeats(seats: Seats, viewer: Seat) {
  const pairs = hasGuest(seats);
  return seatList(seats)
    .sort((a, b) => LISTED_RANK[a.side] - LISTED_RANK[b.side])
    .map((seat) => ({
      userId: seat.userId,
      role: seat.role,
      displayName: seat.displayName,
      state: !seat.connectionId ? 'reconnecting' : seat.admitted ? 'admitted' : 'waiting',
      ...(pairs && seat.userId !== viewer.userId ? { polite: isPoliteToward(viewer, seat) } : {}),
    }));
}
