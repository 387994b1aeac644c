import type { EntityManager } from 'typeorm';
import type { VisitSide } from '../appointments/visit-lifecycle.service';
import { sql } from '../database/sql';
import type { Seat, Seats } from './visit-room';

/** Seats as rows of `visit_seats`: reading, writing and comparing one visit's. */

export interface SeatRow {
  side: VisitSide;
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
    seats[row.side] = seatOf(row);
  }
  return seats;
}

export async function writeSeat(
  manager: EntityManager,
  appointmentId: string,
  side: VisitSide,
  before: Seat | undefined,
  after: Seat | undefined,
): Promise<void> {
  if (!after) {
    if (before) {
      await sql(manager, 'DELETE FROM visit_seats WHERE appointment_id = $1 AND side = $2', [
        appointmentId,
        side,
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
                              connection_id, admitted, disconnected_at)
     VALUES ($1, $2, $3, $4, $5, $6::uuid, $7, CASE WHEN $6::uuid IS NULL THEN now() END)
     ON CONFLICT (appointment_id, side) DO UPDATE SET
       user_id = $3, display_name = $4, instance_id = $5, connection_id = $6::uuid,
       admitted = $7,
       disconnected_at =
         CASE WHEN $6::uuid IS NULL THEN coalesce(visit_seats.disconnected_at, now()) END`,
    [
      appointmentId,
      side,
      after.userId,
      after.displayName,
      after.instanceId,
      after.connectionId,
      after.admitted,
    ],
  );
}

export function seatOf(row: SeatRow): Seat {
  return {
    side: row.side,
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
    a.userId === b.userId &&
    a.displayName === b.displayName &&
    a.instanceId === b.instanceId &&
    a.connectionId === b.connectionId &&
    a.admitted === b.admitted
  );
}
