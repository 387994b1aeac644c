import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import { BatchOutcome, Coalescer } from '../common/coalescer';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql } from '../database/sql';
import type { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { InstanceRegistry } from './instance-registry';
import { lockUsers } from './user-locks';

/** Reconcile the table with this instance's sockets every this many heartbeats. */
const RECONCILE_EVERY = 6;

/**
 * Inserts the sockets ($1, of users $2) that keep each user within the cap ($4) counted over
 * every instance; several of one user in a batch are counted in the order given.
 */
const CLAIM_SQL = `
  INSERT INTO sockets (id, instance_id, user_id)
  SELECT w.id, $3, w.user_id
    FROM (SELECT id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY n) AS k
            FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS t (id, user_id, n)) AS w
   WHERE (SELECT count(*) FROM sockets s WHERE s.user_id = w.user_id) + w.k <= $4
  RETURNING id`;

const tooManySockets = () =>
  new AppError('rate_limited', 'TOO_MANY_SOCKETS', 'Too many open sockets for this user');

/** A socket as the directory knows it (claimed before the socket itself exists). */
export type SocketRef = Pick<Connection, 'id' | 'userId'>;

/** Told, inside the transaction, that these users' sockets changed (presence recomputes). */
export type SocketsChangedHandler = (manager: EntityManager, userIds: string[]) => Promise<void>;

/**
 * Every open socket of every instance, in the `sockets` table: the per-user cap counts them
 * all, and presence asks it whether a user is online anywhere.
 */
@Injectable()
export class SocketDirectory {
  private readonly changeHandlers: SocketsChangedHandler[] = [];
  private beats = 0;
  /** Upgrades and closes arriving together share one transaction. */
  private readonly claims = new Coalescer<SocketRef, void>((sockets) => this.claimAll(sockets));
  private readonly releases = new Coalescer<SocketRef, void>((sockets) => this.releaseAll(sockets));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instances: InstanceRegistry,
    private readonly registry: ConnectionRegistry,
  ) {
    instances.onBeat(() => this.forgetClosed());
    // After the visit rooms (order 0): rooms are locked before users.
    instances.onRelease(async (manager, ids) => {
      const gone = await sql<{ user_id: string }>(
        manager,
        'DELETE FROM sockets WHERE instance_id = ANY($1) RETURNING user_id',
        [ids],
      );
      await this.changed(
        manager,
        gone.map((row) => row.user_id),
      );
    }, 1);
  }

  /** The users with a socket on these instances. */
  async usersOn(manager: EntityManager, instanceIds: string[]): Promise<string[]> {
    const rows = await sql<{ user_id: string }>(
      manager,
      'SELECT DISTINCT user_id FROM sockets WHERE instance_id = ANY($1)',
      [instanceIds],
    );
    return rows.map((row) => row.user_id);
  }

  onChange(handler: SocketsChangedHandler): void {
    this.changeHandlers.push(handler);
  }

  /** Counts a new socket, or refuses it when the user already has the most allowed anywhere. */
  claim(socket: SocketRef): Promise<void> {
    return this.claims.add(socket);
  }

  release(socket: SocketRef): Promise<void> {
    return this.releases.add(socket);
  }

  private async claimAll(sockets: SocketRef[]): Promise<BatchOutcome<void>[]> {
    const counted = await this.dataSource.transaction(async (manager) => {
      await lockUsers(
        manager,
        sockets.map((socket) => socket.userId),
        { withoutWaitingForDisk: true },
      );
      const rows = await sql<{ id: string }>(manager, CLAIM_SQL, [
        sockets.map((socket) => socket.id),
        sockets.map((socket) => socket.userId),
        this.instances.id,
        this.config.websocket.maxSocketsPerUser,
      ]);
      const ids = new Set(rows.map((row) => row.id));
      await this.changed(
        manager,
        sockets.filter((socket) => ids.has(socket.id)).map((socket) => socket.userId),
      );
      return ids;
    });
    return sockets.map((socket) =>
      counted.has(socket.id)
        ? { ok: true, value: undefined }
        : { ok: false, error: tooManySockets() },
    );
  }

  private async releaseAll(sockets: SocketRef[]): Promise<BatchOutcome<void>[]> {
    await this.dataSource.transaction(async (manager) => {
      await lockUsers(
        manager,
        sockets.map((socket) => socket.userId),
        { withoutWaitingForDisk: true },
      );
      const gone = await sql<{ user_id: string }>(
        manager,
        'DELETE FROM sockets WHERE id = ANY($1::uuid[]) RETURNING user_id',
        [sockets.map((socket) => socket.id)],
      );
      await this.changed(
        manager,
        gone.map((row) => row.user_id),
      );
    });
    return sockets.map(() => ({ ok: true, value: undefined }));
  }

  /**
   * Rows of this instance whose socket is gone (a release that failed) are removed, so the
   * user does not stay online for ever. Young rows are spared: their upgrade may be under way.
   */
  private async forgetClosed(): Promise<void> {
    // A backstop: every RECONCILE_EVERY beats is often enough, and keeps idle CPU low.
    this.beats += 1;
    if (this.beats % RECONCILE_EVERY !== 0) {
      return;
    }
    const rows = await sql<{ id: string; user_id: string }>(
      this.dataSource.manager,
      `SELECT id, user_id FROM sockets
        WHERE instance_id = $1 AND opened_at < now() - interval '10 seconds'`,
      [this.instances.id],
    );
    const stale = rows.filter((row) => !this.registry.byConnectionId(row.id));
    if (stale.length === 0) {
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await lockUsers(
        manager,
        stale.map((row) => row.user_id),
      );
      await sql(manager, 'DELETE FROM sockets WHERE id = ANY($1::uuid[])', [
        stale.map((row) => row.id),
      ]);
      await this.changed(
        manager,
        stale.map((row) => row.user_id),
      );
    });
  }

  private async changed(manager: EntityManager, userIds: string[]): Promise<void> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) {
      return;
    }
    await lockUsers(manager, unique);
    for (const handler of this.changeHandlers) {
      await handler(manager, unique);
    }
  }
}
