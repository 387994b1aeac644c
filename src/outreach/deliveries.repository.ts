import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { sql } from '../database/sql';
import type {
  CreatedNotification,
  DeliveryChannel,
  DeliveryStatus,
  DeliveryView,
} from '../notifications/notification-outbox';
import type { NotificationView } from '../notifications/notification.entity';
import { DEFAULT_PREFERENCES, NotificationPreferences } from './notification-preferences.service';
import type { PushSubscriptionRow } from './push-subscriptions.service';

/** What a claimed job is decided on. */
export interface DeliveryContext {
  notification: NotificationView;
  preferences: NotificationPreferences;
  online: boolean;
  subscriptions: PushSubscriptionRow[];
}

/** A job this worker holds the lease of. */
export interface ClaimedDelivery {
  notificationId: string;
  channel: Exclude<DeliveryChannel, 'socket'>;
  userId: string;
  /** Including this one. */
  attempts: number;
}

/** How a claimed job ends (or waits). */
export type Outcome =
  | { status: 'sent' | 'skipped'; error?: string }
  | { status: 'failed'; error: string }
  | { status: 'pending' | 'held'; dueAt: Date; error?: string };

export interface FailedDelivery {
  notificationId: string;
  channel: string;
  userId: string;
  error: string;
  attempts: number;
  at: string;
}

/** The outbox table: written in the notification's transaction, worked off with leases. */
@Injectable()
export class DeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** One statement for all of them, inside the caller's transaction. */
  async insert(
    manager: EntityManager,
    created: CreatedNotification[],
    channels: { channel: 'push' | 'email'; afterSeconds: number }[],
  ): Promise<void> {
    if (created.length === 0 || channels.length === 0) {
      return;
    }
    await manager.query(
      `INSERT INTO notification_deliveries (notification_id, channel, user_id, due_at)
       SELECT n.id, c.channel, n.user_id, n.created_at + make_interval(secs => c.after)
         FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) AS n (id, user_id, created_at),
              unnest($4::text[], $5::int[]) AS c (channel, after)`,
      [
        created.map((n) => n.id),
        created.map((n) => n.userId),
        created.map((n) => n.createdAt),
        channels.map((c) => c.channel),
        channels.map((c) => c.afterSeconds),
      ],
    );
  }

  /**
   * Leases up to `limit` due jobs to `worker`. A lease that ran out before its send began is
   * taken again (its worker died between claim and send: nothing went out).
   */
  async claim(
    worker: string,
    channels: string[],
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedDelivery[]> {
    const rows = await sql<{
      notification_id: string;
      channel: ClaimedDelivery['channel'];
      user_id: string;
      attempts: number;
    }>(
      this.dataSource.manager,
      `UPDATE notification_deliveries d
          SET status = 'sending', claimed_by = $1,
              claimed_until = now() + make_interval(secs => $3::double precision / 1000),
              attempts = d.attempts + 1, send_started_at = NULL
         FROM (SELECT notification_id, channel FROM notification_deliveries
                WHERE channel = ANY($4)
                  AND ((status IN ('pending', 'held') AND due_at <= now())
                   OR (status = 'sending' AND claimed_until < now() AND send_started_at IS NULL))
                ORDER BY due_at LIMIT $2
                  FOR UPDATE SKIP LOCKED) due
        WHERE d.notification_id = due.notification_id AND d.channel = due.channel
        RETURNING d.notification_id, d.channel, d.user_id, d.attempts`,
      [worker, limit, leaseMs, channels],
    );
    return rows.map((row) => ({
      notificationId: row.notification_id,
      channel: row.channel,
      userId: row.user_id,
      attempts: row.attempts,
    }));
  }

  /**
   * A send whose worker died after it began, before its outcome was written: whether the peer
   * took it cannot be known, and sending again could send twice, so it is recorded failed.
   */
  async settleInDoubt(): Promise<number> {
    const rows = await sql<{ notification_id: string }>(
      this.dataSource.manager,
      `UPDATE notification_deliveries
          SET status = 'failed', error = 'OUTCOME_UNKNOWN', at = now(),
              claimed_by = NULL, claimed_until = NULL
        WHERE status = 'sending' AND claimed_until < now() AND send_started_at IS NOT NULL
        RETURNING notification_id`,
    );
    return rows.length;
  }

  /** Committed just before the send; false when the lease was lost (then nothing is sent). */
  async beginSend(job: ClaimedDelivery, worker: string): Promise<boolean> {
    const rows = await sql<{ notification_id: string }>(
      this.dataSource.manager,
      `UPDATE notification_deliveries SET send_started_at = now()
        WHERE notification_id = $1 AND channel = $2 AND claimed_by = $3 AND status = 'sending'
          AND claimed_until > now()
        RETURNING notification_id`,
      [job.notificationId, job.channel, worker],
    );
    return rows.length === 1;
  }

  async record(job: ClaimedDelivery, worker: string, outcome: Outcome): Promise<void> {
    const dueAt = 'dueAt' in outcome ? outcome.dueAt : null;
    await this.dataSource.manager.query(
      `UPDATE notification_deliveries
          SET status = $4, error = $5, due_at = coalesce($6, due_at),
              at = CASE WHEN $4 = 'held' THEN $6 WHEN $4 = 'pending' THEN at ELSE now() END,
              claimed_by = NULL, claimed_until = NULL, send_started_at = NULL
        WHERE notification_id = $1 AND channel = $2 AND claimed_by = $3 AND status = 'sending'`,
      [job.notificationId, job.channel, worker, outcome.status, outcome.error ?? null, dueAt],
    );
  }

  /** The notification went live to an open socket (so push was not needed). */
  async recordSocket(notificationId: string, userId: string): Promise<void> {
    await this.dataSource.manager.query(
      `INSERT INTO notification_deliveries (notification_id, channel, user_id, status, due_at, at)
       VALUES ($1, 'socket', $2, 'sent', now(), now()) ON CONFLICT DO NOTHING`,
      [notificationId, userId],
    );
  }

  /**
   * Everything a claimed job is decided on, in one round trip: the notification (is it read?),
   * the recipient's preferences, whether they have a socket open on any instance (the realtime
   * module's `sockets` directory) and their push subscriptions. Undefined: the notification is
   * gone. One statement rather than a call into each owning module: this runs once per
   * delivery, on the booking path's database.
   */
  async context(job: ClaimedDelivery): Promise<DeliveryContext | undefined> {
    const [row] = await sql<{
      id: string;
      type: NotificationView['type'];
      data: Record<string, unknown>;
      created_at: Date;
      read_at: Date | null;
      time_zone: string | null;
      quiet_start: string | null;
      quiet_end: string | null;
      email: boolean | null;
      push: boolean | null;
      online: boolean;
      subscriptions: PushSubscriptionRow[];
    }>(
      this.dataSource.manager,
      `SELECT n.id, n.type, n.data, n.created_at, n.read_at,
              p.time_zone, to_char(p.quiet_start, 'HH24:MI') AS quiet_start,
              to_char(p.quiet_end, 'HH24:MI') AS quiet_end, p.email, p.push,
              EXISTS (SELECT 1 FROM sockets s WHERE s.user_id = n.user_id) AS online,
              CASE WHEN $2 = 'push' THEN (
                SELECT coalesce(json_agg(json_build_object('id', ps.id, 'endpoint', ps.endpoint,
                         'p256dh', ps.p256dh, 'auth', ps.auth)), '[]'::json)
                  FROM push_subscriptions ps WHERE ps.user_id = n.user_id)
              ELSE '[]'::json END AS subscriptions
         FROM notifications n
         LEFT JOIN notification_preferences p ON p.user_id = n.user_id
        WHERE n.id = $1`,
      [job.notificationId, job.channel],
    );
    if (!row) {
      return undefined;
    }
    return {
      notification: {
        id: row.id,
        type: row.type,
        data: row.data,
        createdAt: row.created_at.toISOString(),
        readAt: row.read_at?.toISOString() ?? null,
      },
      preferences: row.time_zone
        ? {
            timeZone: row.time_zone,
            quietHours:
              row.quiet_start && row.quiet_end
                ? { start: row.quiet_start, end: row.quiet_end }
                : null,
            email: row.email ?? true,
            push: row.push ?? true,
          }
        : DEFAULT_PREFERENCES,
      online: row.online,
      subscriptions: row.subscriptions,
    };
  }

  /**
   * How many booking, reschedule or cancel notifications of this appointment the user got
   * before `before`: the invitation's SEQUENCE, rising with each change.
   */
  async changesBefore(userId: string, appointmentId: string, before: string): Promise<number> {
    const rows = await sql<{ count: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS count FROM notifications
        WHERE user_id = $1 AND data->>'appointmentId' = $2 AND created_at < $3
          AND type IN ('appointment.created', 'appointment.rescheduled', 'appointment.cancelled')`,
      [userId, appointmentId, before],
    );
    return rows[0].count;
  }

  async viewsOf(notificationIds: string[]): Promise<Map<string, DeliveryView[]>> {
    const byId = new Map<string, DeliveryView[]>();
    if (notificationIds.length === 0) {
      return byId;
    }
    const rows = await sql<{
      notification_id: string;
      channel: DeliveryChannel;
      status: DeliveryStatus;
      at: Date;
    }>(
      this.dataSource.manager,
      `SELECT notification_id, channel, status, at FROM notification_deliveries
        WHERE notification_id = ANY($1) AND status IN ('sent', 'failed', 'held', 'skipped')
        ORDER BY at, channel`,
      [notificationIds],
    );
    for (const row of rows) {
      const list = byId.get(row.notification_id) ?? [];
      list.push({ channel: row.channel, status: row.status, at: row.at.toISOString() });
      byId.set(row.notification_id, list);
    }
    return byId;
  }

  /** Newest first, for admins. */
  async failed(cursor: string | undefined, limit: number): Promise<Page<FailedDelivery>> {
    const after = cursor ? decodeCursor(cursor, { at: 'timestamp', id: 'uuid' }) : undefined;
    const rows = await sql<{
      notification_id: string;
      channel: string;
      user_id: string;
      error: string;
      attempts: number;
      at: Date;
    }>(
      this.dataSource.manager,
      `SELECT notification_id, channel, user_id, error, attempts, at FROM notification_deliveries
        WHERE status = 'failed'
          AND ($1::timestamptz IS NULL OR (at, notification_id::text) < ($1, $2))
        ORDER BY at DESC, notification_id::text DESC LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (last) => ({
      at: last.at.toISOString(),
      id: last.notification_id,
    }));
    return {
      items: page.items.map((row) => ({
        notificationId: row.notification_id,
        channel: row.channel,
        userId: row.user_id,
        error: row.error,
        attempts: row.attempts,
        at: row.at.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }
}
