import { useEffect, useState } from 'preact/hooks';
import type { Notification } from '../../../client/protocol';
import type { Page } from '../api';
import { PushToggle } from '../components/push-toggle';
import { plainWords } from '../errors';
import { live } from '../live';
import { api } from '../session';
import { Store, useStore } from '../store';
import { formatDayTime } from '../time';

const still = new Store(0);

interface NoticeData {
  startsAt?: string;
  otherParty?: { displayName?: string };
}

/** One line a person understands, from a notification's type and data. */
export function describe(n: Notification): string {
  const data = n.data as NoticeData;
  const who = data.otherParty?.displayName ?? 'Someone';
  const when = data.startsAt ? formatDayTime(data.startsAt) : '';
  switch (n.type) {
    case 'appointment.created':
      return `${who} booked a visit with you for ${when}.`;
    case 'appointment.rescheduled':
      return `${who} moved your visit to ${when}.`;
    case 'appointment.cancelled':
      return `${who} cancelled the visit of ${when}.`;
    case 'appointment.reminder':
      return `Reminder: your visit with ${who} is at ${when}.`;
    case 'session.patient_waiting':
      return `${who} is waiting for the visit of ${when}.`;
    case 'session.missed':
      return `The visit with ${who} of ${when} was missed.`;
    default:
      return `Update about your visit of ${when}.`;
  }
}

export function InboxScreen() {
  const device = useStore(live);
  const changes = useStore(device?.changes ?? still);
  const [items, setItems] = useState<Notification[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    api<Page<Notification>>('/api/notifications?limit=50').then(
      (page) => setItems(page.items),
      (err: unknown) => setError(plainWords(err)),
    );
  }, [changes]);

  async function readAll() {
    try {
      await api('/api/notifications/read-all', { method: 'POST' });
      setItems(
        (all) => all?.map((n) => ({ ...n, readAt: n.readAt ?? new Date().toISOString() })) ?? null,
      );
      await device?.refreshUnread();
    } catch (err) {
      setError(plainWords(err));
    }
  }

  return (
    <section class="card" aria-labelledby="inbox-title">
      <div class="row">
        <h1 id="inbox-title">Inbox</h1>
        <button onClick={() => void readAll()}>Mark all as read</button>
      </div>
      <PushToggle />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {items?.length === 0 && <p>Nothing here yet.</p>}
      <ul class="list" aria-live="polite" data-testid="inbox">
        {items?.map((n) => (
          <li key={n.id} class={n.readAt ? 'read' : 'unread'}>
            <span>{describe(n)}</span>
            <small>
              {n.readAt ? '' : 'New · '}
              {formatDayTime(n.createdAt)}
            </small>
          </li>
        ))}
      </ul>
    </section>
  );
}
