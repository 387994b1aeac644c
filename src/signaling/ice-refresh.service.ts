import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { frameOf } from '../realtime/socket-events';
import { iceServersFor } from './ice-servers';
import { LocalRoom, LocalRooms } from './local-rooms';
import type { Seat } from './visit-room';

/**
 * STUN/TURN servers for a participant, with TURN credentials valid until the visit's end plus a
 * margin; a visit running over gets fresh ones (`session.ice-servers`) before those expire.
 */
@Injectable()
export class IceRefreshService {
  constructor(
    private readonly rooms: LocalRooms,
    private readonly registry: ConnectionRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  iceServers(room: LocalRoom, seat: Seat) {
    return iceServersFor(this.config.ice, seat.userId, this.credentialsExpireAt(room));
  }

  /** A visit running over gets fresh TURN credentials before the ones it holds expire. */
  schedule(appointmentId: string, userId: string, connectionId: string): void {
    this.rooms.clearTimer(appointmentId, userId);
    const room = this.rooms.get(appointmentId);
    const seat = room?.snapshot.seats[userId];
    if (!room || seat?.connectionId !== connectionId) {
      return;
    }
    if (!this.config.ice.turnSecret || this.config.ice.turnUrls.length === 0) {
      return;
    }
    const margin = this.config.ice.turnCredentialMarginSeconds * 1000;
    const lead = Math.min(5 * 60_000, margin / 2);
    const delay = this.credentialsExpireAt(room).getTime() - lead - Date.now();
    const timer = setTimeout(
      () => {
        this.registry.byConnectionId(connectionId)?.sendText(
          frameOf('session.ice-servers', {
            appointmentId,
            iceServers: this.iceServers(room, seat),
          }),
        );
        this.schedule(appointmentId, userId, connectionId);
      },
      Math.max(delay, 1000),
    );
    timer.unref();
    this.rooms.holdTimer(appointmentId, userId, timer);
  }

  private credentialsExpireAt(room: LocalRoom): Date {
    const base = Math.max(room.endsAt.getTime(), Date.now());
    return new Date(base + this.config.ice.turnCredentialMarginSeconds * 1000);
  }
}
