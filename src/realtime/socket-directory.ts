import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CONTACT_HORIZON } from '../appointments/contacts';
import { AppError } from '../common/app-error';
import { Clock } from '../common/clock';
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

const tooManySockets = () =>
  new AppError('rate_limited', 'TOO_MANY_SOCKETS', 'Too many open sockets for this user');

/** A socket as the directory knows it (claimed before the socket itself exists). */
export type SocketRef = Pick<Connection, 'id' | 'userId'>;

interface SocketChange {
  claim: boolean;
  socket: SocketRef;
}

/**
 * Told, inside the transaction, that these users' sockets went with a dead instance (presence
 * recomputes). Sockets opened and closed here need no handler: `sockets_change` announces.
 */
export type SocketsChangedHandler = (manager: EntityManager, userIds: string[]) => Promise<void>;

/**
 * Every open socket of every instance, in the `sockets` table: the per-user cap counts them
 * all, and presence asks it whether a user is online anywhere.
 */
@Injectable()
export class SocketDirectory {
  private readonly changeHandlers: SocketsChangedHandler[] = [];
  private beats = 0;
  /** Upgrades and closes arriving together share one call of `sockets_change`. */
  private readonly changes = new Coalescer<SocketChange, void>((batch) => this.apply(batch));

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instances: InstanceRegistry,
    private readonly registry: ConnectionRegistry,
    private readonly clock: Clock,
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
    return this.changes.add({ claim: true, socket });
  }

  release(socket: SocketRef): Promise<void> {
    return this.changes.add({ claim: false, socket });
  }

  /**
   * One round trip for the whole batch: `sockets_change` (migration 6) locks the users, removes
   * the released sockets, inserts the claimed ones that fit under the cap counted over every
   * instance, and announces the presence of every user whose sockets changed.
   */
  private async apply(batch: SocketChange[]): Promise<BatchOutcome<void>[]> {
    const claims = batch.filter((change) => change.claim).map((change) => change.socket);
    const releases = batch.filter((change) => !change.claim).map((change) => change.socket);
    const rows = await sql<{ id: string }>(
      this.dataSource.manager,
      'SELECT id FROM sockets_change($1, $2, $3, $4, $5, $6, $7) AS claimed (id)',
      [
        claims.map((socket) => socket.id),
        claims.map((socket) => socket.userId),
        releases.map((socket) => socket.id),
        this.instances.id,
        this.config.websocket.maxSocketsPerUser,
        this.clock.now(),
        CONTACT_HORIZON,
      ],
    );
    const claimed = new Set(rows.map((row) => row.id));
    return batch.map((change) =>
      !change.claim || claimed.has(change.socket.id)
        ? { ok: true, value: undefined }
        : { ok: false, error: tooManySockets() },
    );
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
    await Promise.all(stale.map((row) => this.release({ id: row.id, userId: row.user_id })));
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
