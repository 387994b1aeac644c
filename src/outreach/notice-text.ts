import { DateTime } from 'luxon';
import type { NotificationType } from '../notifications/notification.entity';

/** What push and email say: times and the other person's name, never the reason. */
export interface NoticeText {
  title: string;
  body: string;
}

/** A short text in the recipient's zone, e.g. "Your visit on 7 Jan at 09:00 was moved". */
export function noticeText(
  type: NotificationType,
  data: Record<string, unknown>,
  timeZone: string,
): NoticeText {
  const when = typeof data.startsAt === 'string' ? visitTime(data.startsAt, timeZone) : 'soon';
  const other = otherName(data);
  const withWhom = other ? ` with ${other}` : '';
  switch (type) {
    case 'appointment.created':
      return { title: 'Visit booked', body: `Your visit${withWhom} on ${when} is booked` };
    case 'appointment.rescheduled':
      return { title: 'Visit moved', body: `Your visit${withWhom} was moved to ${when}` };
    case 'appointment.cancelled':
      return { title: 'Visit cancelled', body: `Your visit${withWhom} on ${when} was cancelled` };
    case 'appointment.reminder':
      return data.reminder === '10m'
        ? { title: 'Visit in 10 minutes', body: `Your visit${withWhom} starts at ${when}` }
        : { title: 'Visit tomorrow', body: `Reminder: your visit${withWhom} is on ${when}` };
    case 'session.patient_waiting':
      return {
        title: 'Patient waiting',
        body: `${other ?? 'Your patient'} is waiting to be admitted`,
      };
    case 'session.missed':
      return { title: 'Visit missed', body: `Your visit${withWhom} on ${when} did not take place` };
  }
}

/** "7 Jan at 09:00" in the zone. */
export function visitTime(iso: string, timeZone: string): string {
  const local = DateTime.fromISO(iso, { zone: timeZone });
  return `${local.toFormat('d LLL')} at ${local.toFormat('HH:mm')}`;
}

export function otherName(data: Record<string, unknown>): string | undefined {
  const other = data.otherParty as { displayName?: unknown } | undefined;
  return typeof other?.displayName === 'string' ? other.displayName : undefined;
}
