import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { advisoryLocksSql } from '../database/advisory-locks';
import { sql } from '../database/sql';
import {
  NewNotification,
  Notification,
  NotificationView,
  toNotificationView,
} from './notification.entity';
import { NotificationOutbox } from './notification-outbox';

export const SYNC_LIMIT = 100;

const notFound = () => new AppError('not_found', 'NOTIFICATION_NOT_FOUND', 'No such notification');

/** Stored notifications: written inside their cause's transaction, read only by their owner. */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly outbox?: NotificationOutbox,
  ) {}

  /**
   * Inserts within `manager`'s transaction; the database announces them once it commits.
   *
   * Each recipient's lock is held until commit, so a recipient's notifications take their `seq`
   * in commit order: a later-numbered one can never become visible before an earlier one, and
   * `sync {after}` cannot skip a slow transaction's row. Call this once per transaction (locks
   * are taken in one sorted order, which is what keeps concurrent writers from deadlocking).
   */
  async add(manager: EntityManager, notices: NewNotification[]): Promise<void> {
    if (notices.length === 0) {
      return;
    }
    // One statement: every lock is taken before the first row is inserted (and numbered).
    const created = await sql<{
      id: string;
      user_id: string;
      type: NewNotification['type'];
      data: Record<string, unknown>;
      created_at: Date;
    }>(
      manager,
      `WITH locked AS (${advisoryLocksSql('notifications', '$1::uuid[]')})
       INSERT INTO notifications (user_id, type, data)
       SELECT n.user_id, n.type, n.data
         FROM locked, unnest($1::uuid[], $2::text[], $3::jsonb[]) AS n (user_id, type, data)
       RETURNING id, user_id, type, data, created_at`,
      [
        notices.map((n) => n.userId),
        notices.map((n) => n.type),
        notices.map((n) => JSON.stringify(n.data)),
      ],
    );
    // The delivery jobs (push, email) commit or roll back with the notifications.
    await this.outbox?.write(
      manager,
      created.map((row) => ({
        id: row.id,
        userId: row.user_id,
        type: row.type,
        data: row.data,
        createdAt: row.created_at,
      })),
    );
  }

  /** Newest first. */
  async list(
    userId: string,
    unreadOnly: boolean,
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<NotificationView>> {
    const query = this.repo()
      .createQueryBuilder('n')
      .addSelect('n.seq')
      .where('n.userId = :userId', { userId })
      .orderBy('n.seq', 'DESC')
      .limit(limit + 1);
    if (unreadOnly) {
      query.andWhere('n.readAt IS NULL');
    }
    if (cursor) {
      const { seq } = decodeCursor(cursor, { seq: 'bigint' });
      query.andWhere('n.seq < :seq', { seq });
    }
    const page = toPage(await query.getMany(), limit, (last) => ({ seq: last.seq }));
    return { items: await this.withDeliveries(page.items), nextCursor: page.nextCursor };
  }

  async unreadCount(userId: string): Promise<number> {
    const [row] = await sql<{ count: number }>(
      this.dataSource.manager,
      `SELECT count(*)::int AS count FROM notifications WHERE user_id = $1 AND read_at IS NULL`,
      [userId],
    );
    return row.count;
  }

  async markRead(userId: string, id: string): Promise<NotificationView> {
    const rows = await sql<{ id: string }>(
      this.dataSource.manager,
      `UPDATE notifications SET read_at = coalesce(read_at, now())
        WHERE id = $1 AND user_id = $2 RETURNING id`,
      [id, userId],
    );
    if (rows.length === 0) {
      throw notFound();
    }
    const [view] = await this.withDeliveries([await this.repo().findOneByOrFail({ id })]);
    return view;
  }

  async markAllRead(userId: string): Promise<number> {
    const rows = await sql<{ id: string }>(
      this.dataSource.manager,
      `UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL RETURNING id`,
      [userId],
    );
    return rows.length;
  }

  /**
   * For a client coming back online: the notifications after `after` (one of theirs), oldest
   * first; without `after`, the most recent ones. At most SYNC_LIMIT: a client that gets a full
   * page asks again from the last one.
   */
  async sync(userId: string, after: string | undefined): Promise<NotificationView[]> {
    if (after === undefined) {
      const newest = await this.repo()
        .createQueryBuilder('n')
        .where('n.userId = :userId', { userId })
        .orderBy('n.seq', 'DESC')
        .limit(SYNC_LIMIT)
        .getMany();
      return this.withDeliveries(newest.reverse());
    }
    const [anchor] = await sql<{ seq: string }>(
      this.dataSource.manager,
      `SELECT seq FROM notifications WHERE id = $1 AND user_id = $2`,
      [after, userId],
    );
    if (!anchor) {
      throw notFound();
    }
    const rows = await this.repo()
      .createQueryBuilder('n')
      .where('n.userId = :userId AND n.seq > :seq', { userId, seq: anchor.seq })
      .orderBy('n.seq', 'ASC')
      .limit(SYNC_LIMIT)
      .getMany();
    return this.withDeliveries(rows);
  }

  /** For the live push: the committed notification and its owner. */
  async findForPush(id: string): Promise<PushItem | undefined> {
    const row = await this.repo()
      .createQueryBuilder('n')
      .addSelect('n.seq')
      .where('n.id = :id', { id })
      .getOne();
    return row ? toPushItem(row) : undefined;
  }

  /** The users' notifications created since `since`, each user's in commit order. */
  async createdSince(userIds: string[], since: Date): Promise<PushItem[]> {
    if (userIds.length === 0) {
      return [];
    }
    const rows = await this.repo()
      .createQueryBuilder('n')
      .addSelect('n.seq')
      .where('n.user_id = ANY(:userIds) AND n.created_at >= :since', { userIds, since })
      .orderBy('n.seq')
      .getMany();
    return rows.map(toPushItem);
  }

  /** The views, each with how it went out by push and email (contract §8). */
  private async withDeliveries(rows: Notification[]): Promise<NotificationView[]> {
    const deliveries = this.outbox
      ? await this.outbox.deliveriesOf(rows.map((row) => row.id))
      : new Map<string, never>();
    return rows.map((row) => ({
      ...toNotificationView(row),
      deliveries: deliveries.get(row.id) ?? [],
    }));
  }

  private repo() {
    return this.dataSource.getRepository(Notification);
  }
}

/** A notification on its way to its recipient's sockets; `seq` orders one recipient's. */
export interface PushItem {
  userId: string;
  seq: number;
  view: NotificationView;
}

function toPushItem(row: Notification): PushItem {
  return { userId: row.userId, seq: Number(row.seq), view: toNotificationView(row) };
}
