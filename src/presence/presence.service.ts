import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AppointmentsService } from '../appointments/appointments.service';
import { Clock } from '../common/clock';
import type { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import type { ChosenStatus } from './dto/set-presence.dto';
import { CALL_STATE_CHANGED, CallStateChangedEvent } from './presence-events';

export type PresenceStatus = ChosenStatus | 'in_call' | 'offline';

export interface PresenceView {
  userId: string;
  status: PresenceStatus;
  lastSeenAt: string | null;
}

interface UserPresence {
  chosen: ChosenStatus;
  calls: Set<string>;
  lastSeenAt: Date | null;
  /** What watchers were last told, so unchanged states are not re-sent. */
  announced: PresenceStatus;
}

/**
 * Presence per user over all of their sockets, in memory: online while any socket is open,
 * `in_call` while admitted in a visit with the other side present, otherwise what they chose.
 * Seen only by people they share a visit with that is on or within 24 hours.
 */
@Injectable()
export class PresenceService {
  private readonly users = new Map<string, UserPresence>();

  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly appointments: AppointmentsService,
    private readonly clock: Clock,
  ) {}

  view(userId: string): PresenceView {
    const presence = this.users.get(userId);
    return {
      userId,
      status: this.statusOf(userId),
      lastSeenAt: presence?.lastSeenAt?.toISOString() ?? null,
    };
  }

  /** A new socket: the user may have come online; the socket learns its contacts' presence. */
  async connected(connection: Connection): Promise<void> {
    this.touch(connection.userId);
    await this.announce(connection.userId);
    const contacts = await this.appointments.contactsOf(connection.userId, this.clock.now());
    for (const contact of contacts) {
      connection.send('presence', this.view(contact));
    }
  }

  /** A socket is gone (closed, dropped, or dead after a missed pong). */
  async disconnected(userId: string): Promise<void> {
    this.touch(userId);
    await this.announce(userId);
  }

  async choose(userId: string, status: ChosenStatus): Promise<PresenceView> {
    this.presenceOf(userId).chosen = status;
    this.touch(userId);
    await this.announce(userId);
    return this.view(userId);
  }

  @OnEvent(CALL_STATE_CHANGED, { suppressErrors: true })
  async callStateChanged(event: CallStateChangedEvent): Promise<void> {
    const { calls } = this.presenceOf(event.userId);
    if (event.inCall) {
      calls.add(event.appointmentId);
    } else {
      calls.delete(event.appointmentId);
    }
    await this.announce(event.userId);
  }

  private statusOf(userId: string): PresenceStatus {
    if (this.registry.count(userId) === 0) {
      return 'offline';
    }
    const presence = this.users.get(userId);
    if (presence && presence.calls.size > 0) {
      return 'in_call';
    }
    return presence?.chosen ?? 'available';
  }

  /** Tells the user's contacts when their status changed. */
  private async announce(userId: string): Promise<void> {
    const presence = this.presenceOf(userId);
    const status = this.statusOf(userId);
    if (status === presence.announced) {
      return;
    }
    presence.announced = status;
    const watchers = await this.appointments.contactsOf(userId, this.clock.now());
    // Built after the lookup: if another change raced ahead meanwhile, the last frame sent
    // still carries the latest state.
    const frame = JSON.stringify({ event: 'presence', data: this.view(userId) });
    for (const watcher of watchers) {
      for (const connection of this.registry.forUser(watcher)) {
        connection.sendText(frame);
      }
    }
  }

  private touch(userId: string): void {
    this.presenceOf(userId).lastSeenAt = this.clock.now();
  }

  private presenceOf(userId: string): UserPresence {
    let presence = this.users.get(userId);
    if (!presence) {
      presence = { chosen: 'available', calls: new Set(), lastSeenAt: null, announced: 'offline' };
      this.users.set(userId, presence);
    }
    return presence;
  }
}
