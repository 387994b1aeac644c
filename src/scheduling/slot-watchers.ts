import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import type { Connection } from '../realtime/connection';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { UsersService } from '../users/users.service';
import { SchedulingErrors } from './scheduling.errors';

/** How many clinicians one socket may watch at once (a picker watches one). */
export const MAX_WATCHED_PER_SOCKET = 20;

/** What the database announces on `televisit_slots` (migration 12). */
interface Announced {
  clinicianId: string;
  from: string;
  to: string;
}

/**
 * The sockets of this instance with an open slot picker, by clinician. Every instance hears
 * every diary change from the database (the bus), so a socket is told whichever instance made
 * the change; `slots.changed` says which time to search again.
 */
@Injectable()
export class SlotWatchers {
  private readonly byClinician = new Map<string, Set<Connection>>();
  private readonly bySocket = new WeakMap<Connection, Set<string>>();

  constructor(
    private readonly users: UsersService,
    bus: PgBus,
    instances: InstanceRegistry,
  ) {
    bus.on('televisit_slots', (payload) => this.announce(payload));
    instances.onBeat(() => {
      this.forgetClosed();
      return Promise.resolve();
    });
  }

  async watch(connection: Connection, clinicianId: string): Promise<{ clinicianId: string }> {
    const names = await this.users.activeNames([{ id: clinicianId, role: 'clinician' }]);
    if (!names.has(clinicianId)) {
      throw SchedulingErrors.clinicianNotFound();
    }
    const watched = this.bySocket.get(connection) ?? new Set<string>();
    if (!watched.has(clinicianId) && watched.size >= MAX_WATCHED_PER_SOCKET) {
      throw new AppError(
        'invalid',
        'TOO_MANY_WATCHES',
        `A socket watches at most ${MAX_WATCHED_PER_SOCKET} clinicians' slots`,
      );
    }
    watched.add(clinicianId);
    this.bySocket.set(connection, watched);
    const sockets = this.byClinician.get(clinicianId) ?? new Set<Connection>();
    sockets.add(connection);
    this.byClinician.set(clinicianId, sockets);
    return { clinicianId };
  }

  unwatch(connection: Connection, clinicianId: string): { clinicianId: string } {
    this.bySocket.get(connection)?.delete(clinicianId);
    const sockets = this.byClinician.get(clinicianId);
    sockets?.delete(connection);
    if (sockets?.size === 0) {
      this.byClinician.delete(clinicianId);
    }
    return { clinicianId };
  }

  private announce(payload: string): void {
    const announced = JSON.parse(payload) as Announced;
    const sockets = this.byClinician.get(announced.clinicianId);
    if (!sockets) {
      return;
    }
    const frame = JSON.stringify({
      event: 'slots.changed',
      data: {
        clinicianId: announced.clinicianId,
        from: new Date(announced.from).toISOString(),
        to: new Date(announced.to).toISOString(),
      },
    });
    for (const connection of sockets) {
      connection.sendText(frame);
    }
  }

  private forgetClosed(): void {
    for (const [clinicianId, sockets] of this.byClinician) {
      for (const connection of sockets) {
        if (!connection.isOpen) {
          this.unwatch(connection, clinicianId);
        }
      }
    }
  }
}
