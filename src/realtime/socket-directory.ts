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
/**
 * After a claim failed, reconcile at each of this many beats that reach the database: its
 * statement may still run (a frozen server runs what it was sent when it thaws).
 */
const RECONCILE_AFTER_FAILURE = 3;

const TOO_MANY_SOCKETS = 'TOO_MANY_SOCKETS';
const tooManySockets = () =>
  new AppError('rate_limited', TOO_MANY_SOCKETS, 'Too many open sockets for this user');

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
  /**
   * Sockets claimed and not yet released: under way (claimed, not yet open) or open. The
   * reconcile never takes their rows; every other row of this instance is a leftover.
   */
  private readonly claimed = new Set<string>();
  /** Reconciles still to run at the next beats, because a claim failed. */
  private reconcilesOwed = 0;
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
    instances.onRelease('users', async (manager, ids) => {
      const gone = await sql<{ user_id: string }>(
        manager,
        'DELETE FROM sockets WHERE instance_id = ANY($1) RETURNING user_id',
        [ids],
      );
      await this.changed(
        manager,
        gone.map((row) => row.user_id),
      );
    });
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

  /**
   * Counts a new socket, or refuses it when the user already has the most allowed anywhere. A
   * claim that fails (the database away) may still be written later: the next beats
   * reconcile, so its row does not count against the user for long.
   */
  async claim(socket: SocketRef): Promise<void> {
    this.claimed.add(socket.id);
    try {
      await this.changes.add({ claim: true, socket });
    } catch (error) {
      this.claimed.delete(socket.id);
      if (!(error instanceof AppError && error.code === TOO_MANY_SOCKETS)) {
        this.reconcilesOwed = RECONCILE_AFTER_FAILURE;
      }
      throw error;
    }
  }

  release(socket: SocketRef): Promise<void> {
    this.claimed.delete(socket.id);
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
   * Rows of this instance that no claim here holds (a release that failed, a claim that failed
   * but was written after all) are removed, so the user does not stay online, or at the cap,
   * for ever.
   */
  private async forgetClosed(): Promise<void> {
    // A backstop: every RECONCILE_EVERY beats is often enough, and keeps idle CPU low; after
    // a failed claim, at once.
    this.beats += 1;
    if (this.reconcilesOwed === 0 && this.beats % RECONCILE_EVERY !== 0) {
      return;
    }
    const rows = await sql<{ id: string; user_id: string }>(
      this.dataSource.manager,
      'SELECT id, user_id FROM sockets WHERE instance_id = $1',
      [this.instances.id],
    );
    const stale = rows.filter(
      (row) => !this.claimed.has(row.id) && !this.registry.byConnectionId(row.id),
    );
    await Promise.all(stale.map((row) => this.release({ id: row.id, userId: row.user_id })));
    this.reconcilesOwed = Math.max(0, this.reconcilesOwed - 1);
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
