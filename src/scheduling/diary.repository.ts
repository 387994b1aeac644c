import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import type { Range } from './slot-grid';

export interface BusyFilter {
  /** A visit whose own time counts as free (the one being moved). */
  excludeAppointmentId?: string;
  /** Whose holds count as free (the caller's own). */
  holderId?: string;
}

/** An entry is live while its `live` range has not ended (a visit's never does). */
const LIVE = `(upper_inf(live) OR upper(live) > now())`;

/**
 * The clinician's diary (migration 11): the time visits and live holds occupy, buffers
 * included. Visits are mirrored into it by the database; holds are written here.
 */
@Injectable()
export class DiaryRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** What is taken in `[window.start, window.end)`, as epoch-millisecond ranges. */
  async busy(
    clinicianId: string,
    window: Range,
    filter: BusyFilter,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Range[]> {
    const rows = await sql<{ start: number; end: number }>(
      manager,
      `SELECT (extract(epoch FROM lower(occupies)) * 1000)::float8 AS start,
              (extract(epoch FROM upper(occupies)) * 1000)::float8 AS end
         FROM diary_entries
        WHERE clinician_id = $1 AND occupies && tstzrange($2, $3, '[)') AND ${LIVE}
          AND ($4::uuid IS NULL OR appointment_id IS DISTINCT FROM $4)
          AND NOT (appointment_id IS NULL AND holder_id IS NOT DISTINCT FROM $5::uuid)`,
      [
        clinicianId,
        new Date(window.start),
        new Date(window.end),
        filter.excludeAppointmentId ?? null,
        filter.holderId ?? null,
      ],
    );
    return rows;
  }

  /** The patient of a non-cancelled visit in this clinician's diary. */
  async patientOf(
    clinicianId: string,
    appointmentId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string | undefined> {
    const [row] = await sql<{ holder_id: string }>(
      manager,
      `SELECT holder_id FROM diary_entries WHERE appointment_id = $1 AND clinician_id = $2`,
      [appointmentId, clinicianId],
    );
    return row?.holder_id;
  }

  /** A hold of `holderId` in this clinician's diary, live or expired. */
  async holdExists(
    manager: EntityManager,
    holdId: string,
    clinicianId: string,
    holderId: string,
  ): Promise<boolean> {
    const rows = await sql(
      manager,
      `SELECT 1 FROM diary_entries
        WHERE id = $1 AND clinician_id = $2 AND holder_id = $3 AND appointment_id IS NULL`,
      [holdId, clinicianId, holderId],
    );
    return rows.length > 0;
  }

  /** Drops the holder's holds in this clinician's diary (and anyone's that have expired). */
  async releaseHolds(manager: EntityManager, clinicianId: string, holderId: string): Promise<void> {
    await manager.query(
      `DELETE FROM diary_entries
        WHERE clinician_id = $1 AND appointment_id IS NULL
          AND (holder_id = $2 OR upper(live) <= now())`,
      [clinicianId, holderId],
    );
  }

  /** Holds `slot` (widened to `occupies`) for `minutes`; the constraint refuses a clash. */
  async insertHold(
    manager: EntityManager,
    hold: { clinicianId: string; holderId: string; slot: Range; occupies: Range; minutes: number },
  ): Promise<{ id: string; expiresAt: Date }> {
    const [row] = await sql<{ id: string; expiresAt: Date }>(
      manager,
      `INSERT INTO diary_entries (clinician_id, holder_id, starts_at, ends_at, occupies, live)
       VALUES ($1, $2, $3, $4, tstzrange($5, $6, '[)'),
               tstzrange(now(), now() + make_interval(mins => $7), '[)'))
       RETURNING id, upper(live) AS "expiresAt"`,
      [
        hold.clinicianId,
        hold.holderId,
        new Date(hold.slot.start),
        new Date(hold.slot.end),
        new Date(hold.occupies.start),
        new Date(hold.occupies.end),
        hold.minutes,
      ],
    );
    return row;
  }

  /** Deletes a hold of `holderId`; answers its clinician, or undefined if there was none. */
  async deleteHold(holdId: string, holderId: string): Promise<string | undefined> {
    const rows = await sql<{ clinician_id: string }>(
      this.dataSource.manager,
      `DELETE FROM diary_entries WHERE id = $1 AND holder_id = $2 AND appointment_id IS NULL
       RETURNING clinician_id`,
      [holdId, holderId],
    );
    return rows[0]?.clinician_id;
  }

  /** The visits in this clinician's diary starting in `[from, to)`, by start. */
  async visits(
    clinicianId: string,
    from: Date,
    to: Date,
  ): Promise<{ appointmentId: string; patientId: string; startsAt: Date; endsAt: Date }[]> {
    return sql(
      this.dataSource.manager,
      `SELECT appointment_id AS "appointmentId", holder_id AS "patientId",
              starts_at AS "startsAt", ends_at AS "endsAt"
         FROM diary_entries
        WHERE clinician_id = $1 AND appointment_id IS NOT NULL
          AND starts_at >= $2 AND starts_at < $3
        ORDER BY starts_at, appointment_id`,
      [clinicianId, from, to],
    );
  }
}
