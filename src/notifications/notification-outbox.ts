import type { EntityManager } from 'typeorm';
import type { NotificationType } from './notification.entity';

/** A notification just inserted, inside its cause's transaction. */
export interface CreatedNotification {
  id: string;
  userId: string;
  type: NotificationType;
  data: Record<string, unknown>;
  createdAt: Date;
}

export const DELIVERY_CHANNELS = ['socket', 'push', 'email'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];
export const DELIVERY_STATUSES = ['sent', 'failed', 'held', 'skipped'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** How a notification went out beyond the inbox (contract §8). */
export interface DeliveryView {
  channel: DeliveryChannel;
  status: DeliveryStatus;
  at: string;
}

/**
 * Where a notification's delivery jobs are written (in its own transaction) and read back.
 * Provided by the outreach module; without it notifications reach only sockets and the inbox.
 */
export abstract class NotificationOutbox {
  abstract write(manager: EntityManager, created: CreatedNotification[]): Promise<void>;
  abstract deliveriesOf(notificationIds: string[]): Promise<Map<string, DeliveryView[]>>;
}
