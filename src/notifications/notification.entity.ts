import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryView } from './notification-outbox';

export const NOTIFICATION_TYPES = [
  'appointment.created',
  'appointment.rescheduled',
  'appointment.cancelled',
  'appointment.reminder',
  'session.patient_waiting',
  'session.missed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

@Entity({ name: 'notifications' })
export class Notification {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Insertion order, for catching up; never shown. */
  @Column({ type: 'bigint', select: false })
  seq: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text' })
  type: NotificationType;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'read_at', type: 'timestamptz', nullable: true })
  readAt: Date | null;
}

/** The contract's notification shape. */
export interface NotificationView {
  id: string;
  type: NotificationType;
  data: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
  /** How it went out beyond sockets: in the inbox and `notifications.sync` (not the live frame). */
  deliveries?: DeliveryView[];
}

export function toNotificationView(n: Notification): NotificationView {
  return {
    id: n.id,
    type: n.type,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt?.toISOString() ?? null,
  };
}

/** A notification to write, in the same transaction as the change that causes it. */
export interface NewNotification {
  userId: string;
  type: NotificationType;
  data: Record<string, unknown>;
}
