import { Global, Module } from '@nestjs/common';
import { NotificationOutbox } from '../notifications/notification-outbox';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersModule } from '../users/users.module';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliverOne } from './deliver-one';
import { DeliveryFailuresController } from './delivery-failures.controller';
import { DeliveryFailuresService } from './delivery-failures.service';
import { DeliveryWorker } from './delivery-worker';
import { EmailSender } from './email-sender';
import { NotificationPreferencesService } from './notification-preferences.service';
import { OutboxService } from './outbox.service';
import { OutreachController } from './outreach.controller';
import { PushSender } from './push-sender';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { VapidKeys } from './vapid-keys';

/**
 * Reaching people who are not connected (contract §8): Web Push and email, preferences and
 * quiet hours, and the outbox the notifications module writes delivery jobs to. Global so
 * that the notifications module finds its outbox without importing this one (which uses it).
 */
@Global()
@Module({
  imports: [NotificationsModule, UsersModule],
  controllers: [OutreachController, DeliveryFailuresController],
  providers: [
    VapidKeys,
    DeliveriesRepository,
    OutboxService,
    { provide: NotificationOutbox, useExisting: OutboxService },
    NotificationPreferencesService,
    PushSubscriptionsService,
    PushSender,
    EmailSender,
    DeliverOne,
    DeliveryWorker,
    DeliveryFailuresService,
  ],
  exports: [NotificationOutbox, DeliveryWorker],
})
export class OutreachModule {}
