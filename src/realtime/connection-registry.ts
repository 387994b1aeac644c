import { Injectable } from '@nestjs/common';
import type { AccessRevokedEvent } from '../users/user-events';
import { CLOSE_ACCESS_REVOKED, Connection } from './connection';
import { PgBus } from './pg-bus';

/** Every open socket on this instance, by user. */
@Injectable()
export class ConnectionRegistry {
  private readonly byUser = new Map<string, Set<Connection>>();

  constructor(bus: PgBus) {
    // Revocations are announced by the database when they commit, to every instance.
    bus.on('televisit_revocations', (payload) =>
      this.closeRevoked(JSON.parse(payload) as AccessRevokedEvent),
    );
  }

  add(connection: Connection): void {
    const set = this.byUser.get(connection.userId) ?? new Set<Connection>();
    set.add(connection);
    this.byUser.set(connection.userId, set);
  }

  /** True when this was the user's last socket here. */
  remove(connection: Connection): boolean {
    const set = this.byUser.get(connection.userId);
    if (!set?.delete(connection)) {
      return false;
    }
    if (set.size === 0) {
      this.byUser.delete(connection.userId);
      return true;
    }
    return false;
  }

  count(userId: string): number {
    return this.byUser.get(userId)?.size ?? 0;
  }

  forUser(userId: string): Connection[] {
    return [...(this.byUser.get(userId) ?? [])];
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
