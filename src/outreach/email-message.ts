import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';
import type { NotificationView } from '../notifications/notification.entity';
import { noticeText } from './notice-text';

export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
  /** For booking, reschedule and cancel: the invitation (RFC 5546). */
  calendar?: { method: 'REQUEST' | 'CANCEL'; content: string };
}

export interface EmailContext {
  timeZone: string;
  appUrl: string;
  /** The recipient and the sender, as the invitation's attendee and organizer. */
  to: string;
  from: string;
  /** How many changes of this appointment the recipient was told of before this one. */
  sequence: number;
}

const CALENDAR_TYPES = new Set([
  'appointment.created',
  'appointment.rescheduled',
  'appointment.cancelled',
]);

/**
 * The email of a notification: a short text and a link, in plain text and HTML; never the
 * reason or anything clinical. One UID per appointment and a rising SEQUENCE, so a calendar
 * moves or removes the event instead of keeping a ghost.
 */
export function emailMessage(notification: NotificationView, context: EmailContext): EmailMessage {
  const text = noticeText(notification.type, notification.data, context.timeZone);
  const message: EmailMessage = {
    subject: text.title,
    text: `${text.body}.\n\nOpen Televisit: ${context.appUrl}\n`,
    html:
      `<p>${escapeHtml(text.body)}.</p>` +
      `<p><a href="${escapeHtml(context.appUrl)}">Open Televisit</a></p>`,
  };
  const { appointmentId, startsAt, endsAt } = notification.data;
  if (
    CALENDAR_TYPES.has(notification.type) &&
    typeof appointmentId === 'string' &&
    typeof startsAt === 'string' &&
    typeof endsAt === 'string'
  ) {
    const cancelled = notification.type === 'appointment.cancelled';
    const calendar = ical({
      prodId: { company: 'Televisit', product: 'Televisit', language: 'EN' },
      method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
    });
    calendar.createEvent({
      id: `${appointmentId}@televisit`,
      sequence: context.sequence,
      start: new Date(startsAt),
      end: new Date(endsAt),
      stamp: new Date(notification.createdAt),
      summary: 'Video visit',
      description: `${text.body}. ${context.appUrl}`,
      url: context.appUrl,
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      organizer: { name: 'Televisit', email: address(context.from) },
      attendees: [{ email: context.to, rsvp: false }],
    });
    message.calendar = { method: cancelled ? 'CANCEL' : 'REQUEST', content: calendar.toString() };
  }
  return message;
}

/** The bare address of `Name <addr>`. */
function address(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
