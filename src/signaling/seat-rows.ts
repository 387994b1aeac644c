import type { EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import type { ParticipantRole, Seat, Seats, SeatSide } from './visit-room';

/** Seats as rows of `visit_seats`: reading, writing and comparing one visit's. */

export interface SeatRow {
  side: SeatSide;
  role: ParticipantRole;
  user_id: string;
  display_name: string;
  instance_id: string | null;
  connection_id: string | null;
  admitted: boolean;
}

export async function readSeats(manager: EntityManager, appointmentId: string): Promise<Seats> {
  const rows = await sql<SeatRow>(manager, 'SELECT * FROM visit_seats WHERE appointment_id = $1', [
    appointmentId,
  ]);
  const seats: Seats = {};
  for (const row of rows) {
    seats[row.user_id] = seatOf(row);
  }
  return seats;
}

export async function writeSeat(
  manager: EntityManager,
  appointmentId: string,
  userId: string,
  before: Seat | undefined,
  after: Seat | undefined,
): Promise<void> {
  if (!after) {
    if (before) {
      await sql(manager, 'DELETE FROM visit_seats WHERE appointment_id = $1 AND user_id = $2', [
        appointmentId,
        userId,
      ]);
    }
    return;
  }
  if (before && sameSeat(before, after)) {
    return;
  }
  // A seat without a socket is absent since the database's now (or since it already was).
  await sql(
    manager,
    `INSERT INTO visit_seats (appointment_id, side, user_id, display_name, instance_id,
                              connection_id, admitted, disconnected_at, role)
     VALUES ($1, $2, $3, $4, $5, $6::uuid, $7, CASE WHEN $6::uuid IS NULL THEN now() END, $8)
     ON CONFLICT (appointment_id, user_id) DO UPDATE SET
       side = $2, role = $8, display_name = $4, instance_id = $5, connection_id = $6::uuid,
       admitted = $7,
       disconnected_at =
         CASE WHEN $6::uuid IS NULL THEN coalesce(visit_seats.disconnected_at, now()) END`,
    [
      appointmentId,
      after.side,
      after.userId,
      after.displayName,
      after.instanceId,
      after.connectionId,
      after.admitted,
      after.role,
    ],
  );
}

export function seatOf(row: SeatRow): Seat {
  return {
    side: row.side,
    role: row.role,
    userId: row.user_id,
    displayName: row.display_name,
    instanceId: row.instance_id,
    connectionId: row.connection_id,
    admitted: row.admitted,
  };
}

/** The seat once its participant's socket is gone: held by nobody while they may resume. */
export function asAbsent(seat: Seat): Seat {
  return { ...seat, instanceId: null, connectionId: null };
}

export function sameSeat(a: Seat, b: Seat): boolean {
  return (
    a.side === b.side &&
    a.role === b.role &&
    a.userId === b.userId &&
    a.displayName === b.displayName &&
    a.instanceId === b.instanceId &&
    a.connectionId === b.connectionId &&
    a.admitted === b.admitted
  );
}
