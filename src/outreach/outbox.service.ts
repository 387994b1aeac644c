import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import {
  CreatedNotification,
  DeliveryView,
  NotificationOutbox,
} from '../notifications/notification-outbox';
import { DeliveriesRepository } from './deliveries.repository';
import { EmailSender } from './email-sender';
import { VapidKeys } from './vapid-keys';

/**
 * The notifications module's outbox: each new notification gets a push job due at once and an
 * email job due EMAIL_AFTER_SECONDS later, for the channels this service can send on.
 */
@Injectable()
export class OutboxService extends NotificationOutbox {
  private readonly channels: { channel: 'push' | 'email'; afterSeconds: number }[] = [];

  constructor(
    private readonly deliveries: DeliveriesRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    vapidKeys: VapidKeys,
    email: EmailSender,
  ) {
    super();
    if (vapidKeys.vapid) {
      this.channels.push({ channel: 'push', afterSeconds: 0 });
    }
    if (email.configured) {
      this.channels.push({ channel: 'email', afterSeconds: config.outreach.emailAfterSeconds });
    }
  }

  /** What this instance can send on: its worker claims only these (an instance without SMTP
   * must not take, and skip, email jobs another instance could send). */
  sendable(): ('push' | 'email')[] {
    return this.channels.map((c) => c.channel);
  }

  write(manager: EntityManager, created: CreatedNotification[]): Promise<void> {
    return this.deliveries.insert(manager, created, this.channels);
  }

  deliveriesOf(notificationIds: string[]): Promise<Map<string, DeliveryView[]>> {
    return this.deliveries.viewsOf(notificationIds);
  }
}
