import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { NOTIFICATION_TYPES, NotificationType, NotificationView } from '../notification.entity';
import {
  DELIVERY_CHANNELS,
  DELIVERY_STATUSES,
  DeliveryChannel,
  DeliveryStatus,
  DeliveryView,
} from '../notification-outbox';

@ApiSchema({ name: 'Delivery' })
export class DeliveryViewDto implements DeliveryView {
  @ApiProperty({ enum: DELIVERY_CHANNELS })
  channel: DeliveryChannel;

  @ApiProperty({ enum: DELIVERY_STATUSES, description: 'held: until `at` (quiet hours)' })
  status: DeliveryStatus;

  @ApiProperty({ type: String, format: 'date-time' })
  at: string;
}

/** A stored notification, as the inbox and the socket show it. */
@ApiSchema({ name: 'Notification' })
export class NotificationViewDto implements NotificationView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: NOTIFICATION_TYPES })
  type: NotificationType;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What the notification is about (for appointments: its id, times and names)',
  })
  data: Record<string, unknown>;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'null: unread' })
  readAt: string | null;

  @ApiProperty({
    type: [DeliveryViewDto],
    required: false,
    description: 'How it went out by socket, push and email (left out of the live frame)',
  })
  deliveries?: DeliveryView[];
}
