import { Injectable } from '@nestjs/common';
import type { AccessRevokedEvent } from '../users/user-events';
import { CLOSE_ACCESS_REVOKED, CLOSE_SERVICE_RESTART, Connection } from './connection';
import { FrameBudget } from './frame-budget';
import { InstanceRegistry } from './instance-registry';
import { PgBus } from './pg-bus';

/** Every open socket on this instance, by user. */
@Injectable()
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly byId = new Map<string, Connection>();
  private readonly budgets = new Map<string, FrameBudget>();

  constructor(bus: PgBus, instances: InstanceRegistry) {
    // Revocations are announced by the database when they commit, to every instance.
    bus.on('televisit_revocations', (payload) =>
      this.closeRevoked(JSON.parse(payload) as AccessRevokedEvent),
    );
    // The others declared this instance dead and released its sockets: its clients reconnect
    // (here or elsewhere) and are counted again.
    instances.onEvicted(() => {
      for (const connection of this.all()) {
        connection.close(CLOSE_SERVICE_RESTART, 'server restarting');
      }
    });
  }

  add(connection: Connection): void {
    this.byId.set(connection.id, connection);
    const set = this.byUser.get(connection.userId) ?? new Set<Connection>();
    set.add(connection);
    this.byUser.set(connection.userId, set);
  }

  /** True when this was the user's last socket here. */
  remove(connection: Connection): boolean {
    this.byId.delete(connection.id);
    const set = this.byUser.get(connection.userId);
    if (!set?.delete(connection)) {
      return false;
    }
    if (set.size === 0) {
      this.byUser.delete(connection.userId);
      this.budgets.delete(connection.userId);
      return true;
    }
    return false;
  }

  /** The frame rate limit is per user: all of their sockets here draw on one budget. */
  budgetFor(userId: string, perSecond: number, burst: number): FrameBudget {
    let budget = this.budgets.get(userId);
    if (!budget) {
      budget = new FrameBudget(perSecond, burst);
      this.budgets.set(userId, budget);
    }
    return budget;
  }

  byConnectionId(id: string): Connection | undefined {
    return this.byId.get(id);
  }

  forUser(userId: string): Connection[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Sockets open on this instance. */
  get size(): number {
    return this.byId.size;
  }

  all(): Connection[] {
    return [...this.byUser.values()].flatMap((set) => [...set]);
  }

  /** Logged out or disabled: that login's sockets (or all of the user's) close at once. */
  closeRevoked(event: AccessRevokedEvent): void {
    for (const connection of this.forUser(event.userId)) {
      if (!event.sessionId || connection.caller.sessionId === event.sessionId) {
        connection.close(CLOSE_ACCESS_REVOKED, 'access revoked');
      }
    }
  }
}
