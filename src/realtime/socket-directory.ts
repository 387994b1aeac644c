import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppError } from '../common/app-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { sql, withoutWaitingForDisk } from '../database/sql';
import type { Connection } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { InstanceRegistry } from './instance-registry';
import { lockUsers } from './user-locks';

/** Reconcile the table with this instance's sockets every this many heartbeats. */
const RECONCILE_EVERY = 6;

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
  async claim(socket: SocketRef): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await withoutWaitingForDisk(manager);
      await lockUsers(manager, [socket.userId]);
      const counted = await sql(
        manager,
        `INSERT INTO sockets (id, instance_id, user_id)
         SELECT $1, $2, $3 WHERE (SELECT count(*) FROM sockets WHERE user_id = $3) < $4
         RETURNING id`,
        [socket.id, this.instances.id, socket.userId, this.config.websocket.maxSocketsPerUser],
      );
      if (counted.length === 0) {
        throw new AppError(
          'rate_limited',
          'TOO_MANY_SOCKETS',
          'Too many open sockets for this user',
        );
      }
      await this.changed(manager, [socket.userId]);
    });
  }

  async release(socket: SocketRef): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await withoutWaitingForDisk(manager);
      await lockUsers(manager, [socket.userId]);
      const gone = await sql(manager, 'DELETE FROM sockets WHERE id = $1 RETURNING id', [
        socket.id,
      ]);
      if (gone.length > 0) {
        await this.changed(manager, [socket.userId]);
      }
    });
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
