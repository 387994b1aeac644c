import type { VisitSide } from '../appointments/visit-lifecycle.service';
import { frameOf } from '../realtime/socket-events';
import { otherSide, RoomSnapshot, Seat } from './visit-room';

/** A frame for one participant's socket, wherever it is. */
export interface Outgoing {
  to: Pick<Seat, 'instanceId' | 'connectionId'> | undefined;
  text: string;
}

/** Each side learns about the other: a fresh peer to negotiate with. */
export function peersJoined(room: RoomSnapshot): Outgoing[] {
  const { patient, clinician } = room.seats;
  return [
    [patient, clinician],
    [clinician, patient],
  ].map(([to, about]) => ({
    to,
    // Only sent once both are seated (inCall), so `about` is there.
    text: frameOf('session.peer-joined', {
      appointmentId: room.appointmentId,
      userId: about?.userId as string,
      role: about?.side as VisitSide,
      displayName: about?.displayName as string,
    }),
  }));
}

/** `session.waiting` about the room's patient (joined, not yet admitted). */
export function waitingFrame(room: RoomSnapshot): string | undefined {
  const { patient } = room.seats;
  if (!patient?.connectionId || patient.admitted) {
    return undefined;
  }
  return frameOf('session.waiting', {
    appointmentId: room.appointmentId,
    patient: { userId: patient.userId, displayName: patient.displayName },
  });
}

/** The other side hears that this seat's participant left or was gone past the grace. */
export function peerLeft(
  room: RoomSnapshot,
  seat: Seat,
  reason: 'left' | 'disconnected',
): Outgoing {
  return {
    to: room.seats[otherSide(seat.side)],
    text: frameOf('session.peer-left', {
      appointmentId: room.appointmentId,
      userId: seat.userId,
      reason,
    }),
  };
}

/** The other side hears that this side's socket dropped (its seat is kept for the grace). */
export function peerReconnecting(room: RoomSnapshot, side: VisitSide): Outgoing {
  const seat = room.seats[side] as Seat;
  return {
    to: room.seats[otherSide(side)],
    text: frameOf('session.peer-reconnecting', {
      appointmentId: room.appointmentId,
      userId: seat.userId,
    }),
  };
}

/** The other side hears that this side came back within the grace. */
export function peerReconnected(room: RoomSnapshot, side: VisitSide): Outgoing {
  return {
    to: room.seats[otherSide(side)],
    text: frameOf('session.peer-reconnected', {
      appointmentId: room.appointmentId,
      userId: (room.seats[side] as Seat).userId,
    }),
  };
}

/** Everyone who sat in the visit before its seats were cleared hears the same `ended`. */
export function everyoneEnded(before: RoomSnapshot, ended: string): Outgoing[] {
  const { patient, clinician } = before.seats;
  return [
    { to: patient, text: ended },
    { to: clinician, text: ended },
  ];
}
