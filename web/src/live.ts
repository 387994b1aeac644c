import type { Notification, PresenceStatus, SettablePresenceStatus } from '../../client/protocol';
import { TelevisitSocket, type SocketState } from '../../client/televisit-socket';
import { accessToken, api } from './session';
import { Store } from './store';

export interface Waiting {
  displayName: string;
  /** Epoch ms: when the app first heard of it. */
  since: number;
}

/**
 * The one socket of this device and what it keeps live: connection state, other people's
 * presence, the unread count, who waits in which visit, and a tick whenever visits changed.
 */
export class Live {
  readonly socket: TelevisitSocket;
  readonly connection = new Store<SocketState>('idle');
  readonly presence = new Store<Record<string, PresenceStatus>>({});
  readonly myPresence = new Store<SettablePresenceStatus>('available');
  readonly unread = new Store(0);
  readonly waiting = new Store<Record<string, Waiting>>({});
  /** Bumped on every notification: lists showing visits or the inbox load again. */
  readonly changes = new Store(0);
  readonly notifications = new Store<Notification | null>(null);

  constructor() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new TelevisitSocket({
      url: `${scheme}//${location.host}/ws`,
      token: accessToken,
    });
    this.socket.on('state', (state) => this.connection.set(state));
    this.socket.on('presence', ({ userId, status }) =>
      this.presence.update((all) => ({ ...all, [userId]: status })),
    );
    this.socket.on('session.waiting', ({ appointmentId, patient }) => {
      // Guests wait too, but the list marks visits whose patient is waiting.
      if (patient) {
        this.markWaiting(appointmentId, patient.displayName);
      }
    });
    this.socket.on('notification', (notification) => {
      const data = notification.data as {
        appointmentId?: string;
        otherParty?: { displayName?: string };
      };
      if (notification.type === 'session.patient_waiting' && data.appointmentId) {
        this.markWaiting(data.appointmentId, data.otherParty?.displayName ?? 'Your patient');
      }
      this.unread.update((n) => n + 1);
      this.notifications.set(notification);
      this.changes.update((n) => n + 1);
    });
    this.socket.on('reconnected', () => {
      void this.refreshUnread();
      void this.setPresence(this.myPresence.value);
      this.changes.update((n) => n + 1);
    });
  }

  async start(): Promise<void> {
    addEventListener('offline', this.networkChanged);
    addEventListener('online', this.networkChanged);
    await this.socket.connect();
    await this.refreshUnread();
  }

  stop(): void {
    removeEventListener('offline', this.networkChanged);
    removeEventListener('online', this.networkChanged);
    this.socket.close();
  }

  async refreshUnread(): Promise<void> {
    const { count } = await api<{ count: number }>('/api/notifications/unread-count');
    this.unread.set(count);
  }

  async setPresence(status: SettablePresenceStatus): Promise<void> {
    this.myPresence.set(status);
    await this.socket.request('presence.set', { status });
  }

  /** The patient is in (or gone): nobody waits in that visit any more. */
  clearWaiting(appointmentId: string): void {
    this.waiting.update((all) => {
      const rest = { ...all };
      delete rest[appointmentId];
      return rest;
    });
  }

  /** Off: the socket is dead even if it looks open. Back on: retry now, not after the backoff. */
  private readonly networkChanged = () => this.socket.reconnectNow();

  private markWaiting(appointmentId: string, displayName: string): void {
    if (!this.waiting.value[appointmentId]) {
      this.waiting.update((all) => ({
        ...all,
        [appointmentId]: { displayName, since: Date.now() },
      }));
    }
  }
}

export const live = new Store<Live | null>(null);
