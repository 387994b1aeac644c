import { Injectable } from '@nestjs/common';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { PgBus } from '../realtime/pg-bus';
import { NotificationsService } from './notifications.service';

/**
 * Pushes each committed notification to every socket of its recipient on this instance. The
 * database announces the id on commit (see the notifications migration), so a crash between
 * commit and push loses nothing: the inbox and `notifications.sync` have it.
 */
@Injectable()
export class NotificationPusher {
  private paused = false;
  /** Pushes run one after another, so a recipient gets frames in commit order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly notifications: NotificationsService,
    private readonly registry: ConnectionRegistry,
    bus: PgBus,
  ) {
    bus.on('televisit_notifications', (id) => {
      // A failed push must not stop the ones after it.
      this.queue = this.queue.then(() => this.push(id)).catch(() => undefined);
    });
  }

  /** Stops pushing (tests use it to stand for a crash between commit and push). */
  onModuleDestroy(): void {
    this.paused = true;
  }

  private async push(id: string): Promise<void> {
    if (this.paused) {
      return;
    }
    const found = await this.notifications.findForPush(id).catch(() => undefined);
    const connections = found ? this.registry.forUser(found.userId) : [];
    if (!found || connections.length === 0) {
      return;
    }
    const frame = JSON.stringify({ event: 'notification', data: found.view });
    for (const connection of connections) {
      connection.sendText(frame);
    }
  }
}
