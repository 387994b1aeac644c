import type { VisitSide } from '../appointments/visit-lifecycle.service';

/** At most this many frames wait for a participant who is reconnecting. */
export const MAX_QUEUED_FRAMES = 256;

/** A participant's place in a visit, as stored in `visit_seats`. */
export interface Seat {
  side: VisitSide;
  userId: string;
  displayName: string;
  /** Where the participant's socket is; both null while they are reconnecting. */
  instanceId: string | null;
  connectionId: string | null;
  admitted: boolean;
}

export type Seats = Partial<Record<VisitSide, Seat>>;

/** One visit's seats at one version. Instances send these to each other after every change. */
export interface RoomSnapshot {
  appointmentId: string;
  version: number;
  seats: Seats;
}

export function otherSide(side: VisitSide): VisitSide {
  return side === 'patient' ? 'clinician' : 'patient';
}

export function seatHeldBy(room: RoomSnapshot, connectionId: string): Seat | undefined {
  const { patient, clinician } = room.seats;
  return patient?.connectionId === connectionId
    ? patient
    : clinician?.connectionId === connectionId
      ? clinician
      : undefined;
}

/** Both sides admitted and connected: media can flow. */
export function inCall(seats: Seats): boolean {
  const { patient, clinician } = seats;
  return Boolean(
    patient?.admitted && patient.connectionId && clinician?.admitted && clinician.connectionId,
  );
}

/** The participants as the join ack shows them. */
export function describeSeats(seats: Seats) {
  return [seats.patient, seats.clinician]
    .filter((seat): seat is Seat => seat !== undefined)
    .map((seat) => ({
      userId: seat.userId,
      role: seat.side,
      displayName: seat.displayName,
      state: !seat.connectionId ? 'reconnecting' : seat.admitted ? 'admitted' : 'waiting',
    }));
}
