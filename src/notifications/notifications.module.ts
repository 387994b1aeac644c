import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeliveryMetrics } from './delivery.metrics';
import { NotificationPusher } from './notification-pusher';
import { Notification } from './notification.entity';
import { NotificationsController } from './notifications.controller';
import { NotificationsGateway } from './notifications.gateway';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [TypeOrmModule.forFeature([Notification])],
  controllers: [NotificationsController],
  providers: [NotificationsService, NotificationsGateway, NotificationPusher, DeliveryMetrics],
  exports: [NotificationsService, DeliveryMetrics],
})
export class NotificationsModule {}
