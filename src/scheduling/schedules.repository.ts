import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { sql } from '../database/sql';
import type { ScheduleRules } from './slot-grid';

export interface StoredSchedule extends ScheduleRules {
  clinicianId: string;
  version: number;
}

const COLUMNS = `clinician_id AS "clinicianId", time_zone AS "timeZone", weekly, overrides,
  slot_minutes AS "slotMinutes", buffer_before_minutes AS "bufferBeforeMinutes",
  buffer_after_minutes AS "bufferAfterMinutes", minimum_notice_minutes AS "minimumNoticeMinutes",
  booking_horizon_days AS "bookingHorizonDays", version`;

/** The published schedules, one per clinician. */
@Injectable()
export class SchedulesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(
    clinicianId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<StoredSchedule | undefined> {
    const [row] = await sql<StoredSchedule>(
      manager,
      `SELECT ${COLUMNS} FROM clinician_schedules WHERE clinician_id = $1`,
      [clinicianId],
    );
    return row;
  }

  /** Writes the schedule as `version` (1 for a new one). */
  async save(
    manager: EntityManager,
    clinicianId: string,
    rules: ScheduleRules,
    version: number,
  ): Promise<StoredSchedule> {
    const [row] = await sql<StoredSchedule>(
      manager,
      `INSERT INTO clinician_schedules (clinician_id, time_zone, weekly, overrides, slot_minutes,
              buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes,
              booking_horizon_days, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (clinician_id) DO UPDATE SET time_zone = EXCLUDED.time_zone,
              weekly = EXCLUDED.weekly, overrides = EXCLUDED.overrides,
              slot_minutes = EXCLUDED.slot_minutes,
              buffer_before_minutes = EXCLUDED.buffer_before_minutes,
              buffer_after_minutes = EXCLUDED.buffer_after_minutes,
              minimum_notice_minutes = EXCLUDED.minimum_notice_minutes,
              booking_horizon_days = EXCLUDED.booking_horizon_days,
              version = EXCLUDED.version, updated_at = now()
       RETURNING ${COLUMNS}`,
      [
        clinicianId,
        rules.timeZone,
        JSON.stringify(rules.weekly),
        JSON.stringify(rules.overrides),
        rules.slotMinutes,
        rules.bufferBeforeMinutes,
        rules.bufferAfterMinutes,
        rules.minimumNoticeMinutes,
        rules.bookingHorizonDays,
        version,
      ],
    );
    return row;
  }
}
