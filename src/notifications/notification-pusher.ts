import { Injectable } from '@nestjs/common';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { DeliveryMetrics } from './delivery.metrics';
import type { NotificationView } from './notification.entity';
import { NotificationsService, PushItem } from './notifications.service';

/** What the database announces when a notification commits (see the migrations). */
interface Announced {
  userId: string;
  seq: number;
  id: string;
  /** Left out when it would not fit in a NOTIFY; then it is read by id. */
  view?: NotificationView;
}

/** A transaction that began this long before the listener dropped may have committed after. */
const CATCH_UP_MARGIN_MS = 60_000;

/**
 * Pushes each committed notification to every socket of its recipient on this instance. The
 * database announces it on commit (see the notifications migrations), so a crash between
 * commit and push loses nothing: the inbox and `notifications.sync` have it. If the bus
 * listener drops, what was committed meanwhile is read back from the table and pushed.
 */
@Injectable()
export class NotificationPusher {
  private paused = false;
  /** Pushes run one after another, so a recipient gets frames in commit order. */
  private queue: Promise<void> = Promise.resolve();
  /** The last notification pushed to each user with a socket here (to skip on catch-up). */
  private readonly pushedSeq = new Map<string, number>();

  constructor(
    private readonly notifications: NotificationsService,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: DeliveryMetrics,
    bus: PgBus,
    instances: InstanceRegistry,
  ) {
    bus.on('televisit_notifications', (payload) => {
      // A bare id is what the database announced before migration 1764000000005: during a
      // rolling upgrade (or after a rollback) both forms are in flight.
      const announced = payload.startsWith('{') ? (JSON.parse(payload) as Announced) : undefined;
      if (announced && this.registry.forUser(announced.userId).length === 0) {
        return; // no socket of theirs here
      }
      void this.enqueue(async () => {
        const found = announced?.view
          ? { userId: announced.userId, seq: announced.seq, view: announced.view }
          : await this.notifications.findForPush(announced?.id ?? payload);
        if (found) {
          this.push(found);
        }
      });
    });
    bus.onReconnect((lostAt) => this.enqueue(() => this.catchUp(lostAt)));
    instances.onBeat(() => {
      this.forgetDisconnected();
      return Promise.resolve();
    });
  }

  /** Stops pushing (tests use it to stand for a crash between commit and push). */
  onModuleDestroy(): void {
    this.paused = true;
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    // A failed push must not stop the ones after it.
    this.queue = this.queue.then(task).catch(() => undefined);
    return this.queue;
  }

  /** Keeps the pushed sequence only of users with a socket here; answers who they are. */
  private forgetDisconnected(): Set<string> {
    const here = new Set(this.registry.all().map((connection) => connection.userId));
    for (const userId of this.pushedSeq.keys()) {
      if (!here.has(userId)) {
        this.pushedSeq.delete(userId);
      }
    }
    return here;
  }

  private push(item: PushItem): void {
    const connections = this.registry.forUser(item.userId);
    // Already pushed: a catch-up after a listener gap reads up to the newest, and the
    // announcements held meanwhile arrive after it.
    const already = item.seq <= (this.pushedSeq.get(item.userId) ?? 0);
    if (this.paused || connections.length === 0 || already) {
      return;
    }
    this.pushedSeq.set(item.userId, Math.max(item.seq, this.pushedSeq.get(item.userId) ?? 0));
    const frame = JSON.stringify({ event: 'notification', data: item.view });
    for (const connection of connections) {
      connection.sendText(frame);
    }
    this.metrics.delivered('socket', 'sent', connections.length);
  }

  /**
   * Pushes what the listener missed. A user's notifications already pushed are skipped by
   * sequence; one never pushed here may arrive twice if the client also synced it (clients
   * keep notifications by id).
   */
  private async catchUp(lostAt: Date): Promise<void> {
    const here = this.forgetDisconnected();
    const since = new Date(lostAt.getTime() - CATCH_UP_MARGIN_MS);
    for (const item of await this.notifications.createdSince([...here], since)) {
      this.push(item);
    }
  }
}
