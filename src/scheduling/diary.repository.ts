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
          AND appointment_id IS DISTINCT FROM $4
          AND NOT (appointment_id IS NULL AND holder_id = $5)`,
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
}
