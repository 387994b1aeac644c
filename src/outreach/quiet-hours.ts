import { DateTime } from 'luxon';
import type { NotificationType } from '../notifications/notification.entity';

/** Local wall-clock times, `HH:mm`; `start` after `end` spans midnight (22:00 → 07:00). */
export interface QuietHours {
  start: string;
  end: string;
}

/**
 * Contract §8: quiet hours hold back the booking, the reschedule and the 24 h reminder; the
 * 10 min reminder, the waiting patient and a cancellation are never held.
 */
export function mayBeHeld(type: NotificationType, data: Record<string, unknown>): boolean {
  switch (type) {
    case 'appointment.created':
    case 'appointment.rescheduled':
      return true;
    case 'appointment.reminder':
      return data.reminder === '24h';
    case 'appointment.cancelled':
    case 'session.patient_waiting':
    case 'session.missed':
      return false;
  }
}

/** When the quiet hours around `now` end in `timeZone`; undefined when `now` is not in them. */
export function quietUntil(
  now: Date,
  timeZone: string,
  quiet: QuietHours | null,
): Date | undefined {
  if (!quiet || quiet.start === quiet.end) {
    return undefined;
  }
  const local = DateTime.fromJSDate(now, { zone: timeZone });
  const at = (day: DateTime, hhmm: string) => {
    const [hour, minute] = hhmm.split(':').map(Number);
    return day.set({ hour, minute, second: 0, millisecond: 0 });
  };
  const start = at(local, quiet.start);
  const end = at(local, quiet.end);
  if (start < end) {
    return local >= start && local < end ? end.toJSDate() : undefined;
  }
  // Spanning midnight: quiet from start until the next day's end, or since yesterday's start.
  if (local >= start) {
    return at(local.plus({ days: 1 }), quiet.end).toJSDate();
  }
  return local < end ? end.toJSDate() : undefined;
}

export function isTimeZone(zone: string): boolean {
  return DateTime.local().setZone(zone).isValid;
}
