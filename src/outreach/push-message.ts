import type { NotificationType } from '../notifications/notification.entity';
import type { NotificationView } from '../notifications/notification.entity';
import { noticeText } from './notice-text';

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

/** What one Web Push request carries: RFC 8030 headers and the (to be encrypted) payload. */
export interface PushMessage {
  payload: string;
  ttlSeconds: number;
  urgency: Urgency;
  topic: string | undefined;
}

/** RFC 8291 leaves 3993 bytes of plaintext in one 4096-byte record; keep well under it. */
export const MAX_PUSH_PAYLOAD_BYTES = 3000;

/**
 * How long a push service may keep trying (a reminder is useless after the visit began, a
 * waiting patient after a few minutes) and how urgently it should wake the device.
 */
export function pushUrgency(
  type: NotificationType,
  data: Record<string, unknown>,
): { ttlSeconds: number; urgency: Urgency } {
  switch (type) {
    case 'session.patient_waiting':
      return { ttlSeconds: 300, urgency: 'high' };
    case 'appointment.reminder':
      return data.reminder === '10m'
        ? { ttlSeconds: 600, urgency: 'high' }
        : { ttlSeconds: 12 * 3600, urgency: 'normal' };
    case 'appointment.cancelled':
      return { ttlSeconds: 24 * 3600, urgency: 'high' };
    case 'appointment.created':
    case 'appointment.rescheduled':
      return { ttlSeconds: 24 * 3600, urgency: 'normal' };
    case 'session.missed':
      return { ttlSeconds: 24 * 3600, urgency: 'low' };
  }
}

/**
 * RFC 8030 §5.4: a Topic is at most 32 characters of the URL-safe base64 alphabet. A UUID
 * without its dashes is 32 hex digits, so a newer message about the same appointment replaces
 * a stale undelivered one.
 */
export function pushTopic(data: Record<string, unknown>): string | undefined {
  const id = data.appointmentId;
  return typeof id === 'string' && /^[0-9a-f-]{36}$/i.test(id) ? id.replace(/-/g, '') : undefined;
}

/**
 * The notification as the service worker receives it: its id, type and times, the other
 * person's name, a short text and a link; never the reason or anything clinical.
 */
export function pushMessage(
  notification: NotificationView,
  timeZone: string,
  appUrl: string,
): PushMessage {
  const { data } = notification;
  const safe: Record<string, unknown> = {};
  for (const key of ['appointmentId', 'startsAt', 'endsAt', 'reminder', 'previous'] as const) {
    if (data[key] !== undefined) {
      safe[key] = data[key];
    }
  }
  const other = data.otherParty as
    { id?: unknown; role?: unknown; displayName?: unknown } | undefined;
  if (other) {
    safe.otherParty = { id: other.id, role: other.role, displayName: other.displayName };
  }
  const text = noticeText(notification.type, data, timeZone);
  const body = {
    id: notification.id,
    type: notification.type,
    createdAt: notification.createdAt,
    data: safe,
    title: text.title,
    body: text.body,
    url: appUrl,
  };
  let payload = JSON.stringify(body);
  if (Buffer.byteLength(payload) > MAX_PUSH_PAYLOAD_BYTES) {
    // Only a very long name can do this: the app reads the rest from the inbox by id.
    payload = JSON.stringify({
      ...body,
      data: { appointmentId: safe.appointmentId },
      body: text.title,
    });
  }
  return { payload, ...pushUrgency(notification.type, data), topic: pushTopic(data) };
}
