import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import { AppointmentsErrors } from './appointments.errors';

const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

/**
 * Remembers which appointment a caller's Idempotency-Key booked, for IDEMPOTENCY_KEY_TTL_HOURS.
 * Only successful bookings are remembered: a refused one leaves nothing, so the client may fix
 * the request and retry with the same key.
 */
@Injectable()
export class IdempotencyKeys {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  assertWellFormed(key: string): void {
    if (!KEY_SHAPE.test(key)) {
      throw AppointmentsErrors.badIdempotencyKey();
    }
  }

  fingerprint(request: unknown): string {
    return createHash('sha256').update(JSON.stringify(request)).digest('hex');
  }

  /** The appointment this key already booked, or undefined if the key is new (or expired). */
  async find(userId: string, key: string, fingerprint: string): Promise<string | undefined> {
    const [row] = await sql<{ appointment_id: string; request_hash: string }>(
      this.dataSource.manager,
      `SELECT appointment_id, request_hash FROM idempotency_keys
        WHERE user_id = $1 AND key = $2 AND created_at > now() - make_interval(hours => $3)`,
      [userId, key, this.config.idempotencyKeyTtlHours],
    );
    if (row && row.request_hash !== fingerprint) {
      throw AppointmentsErrors.idempotencyKeyReused();
    }
    return row?.appointment_id;
  }

  /**
   * Claims the key for `appointmentId` inside the booking's transaction; an expired row for the
   * key is replaced. False when the key is held: a concurrent retry blocks here until the first
   * request commits, and then finds the key taken.
   */
  async claim(
    userId: string,
    key: string,
    fingerprint: string,
    appointmentId: string,
    manager: EntityManager,
  ): Promise<boolean> {
    const rows = await sql(
      manager,
      `INSERT INTO idempotency_keys (user_id, key, request_hash, appointment_id)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, appointment_id = EXCLUDED.appointment_id,
             created_at = now()
         WHERE idempotency_keys.created_at <= now() - make_interval(hours => $5)
       RETURNING 1`,
      [userId, key, fingerprint, appointmentId, this.config.idempotencyKeyTtlHours],
    );
    return rows.length === 1;
  }

  /** Forgets keys past their lifetime; called now and then, never on the request path. */
  async purgeExpired(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE created_at <= now() - make_interval(hours => $1)`,
      [this.config.idempotencyKeyTtlHours],
    );
  }
}
