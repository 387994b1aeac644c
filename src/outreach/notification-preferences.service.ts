import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { sql } from '../database/sql';
import type { NotificationPreferencesDto } from './dto/notification-preferences.dto';
import { OUTREACH_ERRORS } from './outreach.errors';
import { isTimeZone, QuietHours } from './quiet-hours';

export interface NotificationPreferences {
  timeZone: string;
  quietHours: QuietHours | null;
  email: boolean;
  push: boolean;
}

/** Until a user says otherwise: UTC, no quiet hours, both channels on. */
export const DEFAULT_PREFERENCES: NotificationPreferences = {
  timeZone: 'UTC',
  quietHours: null,
  email: true,
  push: true,
};

interface Row {
  user_id: string;
  time_zone: string;
  quiet_start: string | null;
  quiet_end: string | null;
  email: boolean;
  push: boolean;
}

/** How and when each user wants to be reached outside the app. */
@Injectable()
export class NotificationPreferencesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(userId: string): Promise<NotificationPreferences> {
    return (await this.forUsers([userId])).get(userId) ?? DEFAULT_PREFERENCES;
  }

  async forUsers(userIds: string[]): Promise<Map<string, NotificationPreferences>> {
    const rows = await sql<Row>(
      this.dataSource.manager,
      `SELECT user_id, time_zone, to_char(quiet_start, 'HH24:MI') AS quiet_start,
              to_char(quiet_end, 'HH24:MI') AS quiet_end, email, push
         FROM notification_preferences WHERE user_id = ANY($1)`,
      [userIds],
    );
    return new Map(rows.map((row) => [row.user_id, toPreferences(row)]));
  }

  async put(userId: string, dto: NotificationPreferencesDto): Promise<NotificationPreferences> {
    if (!isTimeZone(dto.timeZone)) {
      throw OUTREACH_ERRORS.invalidTimeZone(dto.timeZone);
    }
    const [row] = await sql<Row>(
      this.dataSource.manager,
      `INSERT INTO notification_preferences AS p
              (user_id, time_zone, quiet_start, quiet_end, email, push)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone,
              quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end,
              email = EXCLUDED.email, push = EXCLUDED.push, updated_at = now()
       RETURNING user_id, time_zone, to_char(quiet_start, 'HH24:MI') AS quiet_start,
                 to_char(quiet_end, 'HH24:MI') AS quiet_end, email, push`,
      [
        userId,
        dto.timeZone,
        dto.quietHours?.start ?? null,
        dto.quietHours?.end ?? null,
        dto.email,
        dto.push,
      ],
    );
    return toPreferences(row);
  }
}

function toPreferences(row: Row): NotificationPreferences {
  return {
    timeZone: row.time_zone,
    quietHours:
      row.quiet_start && row.quiet_end ? { start: row.quiet_start, end: row.quiet_end } : null,
    email: row.email,
    push: row.push,
  };
}
