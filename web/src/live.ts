import type { Notification, PresenceStatus, SettablePresenceStatus } from '../../client/protocol';
import {
  TelevisitSocket,
  type SocketState,
  type TokenProvider,
} from '../../client/televisit-socket';
import { accessToken, api } from './session';
import { Store } from './store';

export interface Waiting {
  userId: string;
  displayName: string;
  /** Epoch ms: when the app first heard of it. */
  since: number;
}

/** Who waits in which visit: appointment id → user id → since when. */
export type WaitingRooms = Record<string, Record<string, Waiting>>;

/**
 * The one socket of this device and what it keeps live: connection state, other people's
 * presence, the unread count, who waits in which visit, and a tick whenever visits changed.
 * A guest's (`guest`) is the socket alone: a guest pass opens no REST.
 */
export class Live {
  readonly socket: TelevisitSocket;
  readonly connection = new Store<SocketState>('idle');
  readonly presence = new Store<Record<string, PresenceStatus>>({});
  readonly myPresence = new Store<SettablePresenceStatus>('available');
  readonly unread = new Store(0);
  readonly waiting = new Store<WaitingRooms>({});
  /** Waiting ones whose socket dropped: shown again if they come back within the grace. */
  private readonly away = new Map<string, Waiting>();
  /** Bumped on every notification: lists showing visits or the inbox load again. */
  readonly changes = new Store(0);
  readonly notifications = new Store<Notification | null>(null);

  constructor(
    token: TokenProvider = accessToken,
    private readonly guest = false,
  ) {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new TelevisitSocket({ url: `${scheme}//${location.host}/ws`, token });
    this.socket.on('state', (state) => this.connection.set(state));
    this.socket.on('presence', ({ userId, status }) =>
      this.presence.update((all) => ({ ...all, [userId]: status })),
    );
    this.socket.on('session.waiting', ({ appointmentId, participant, patient }) => {
      const who = participant ?? patient;
      if (who) {
        this.markWaiting(appointmentId, who.userId, who.displayName);
      }
    });
    // A waiting patient (or guest) who leaves is no longer waiting; one whose socket dropped
    // is not either, unless back within the grace.
    this.socket.on('session.peer-left', ({ appointmentId, userId }) => {
      this.away.delete(`${appointmentId}/${userId}`);
      this.unmarkWaiting(appointmentId, userId);
    });
    this.socket.on('session.peer-reconnecting', ({ appointmentId, userId }) => {
      const waiting = this.waiting.value[appointmentId]?.[userId];
      if (waiting) {
        this.away.set(`${appointmentId}/${userId}`, waiting);
        this.unmarkWaiting(appointmentId, userId);
      }
    });
    this.socket.on('session.peer-reconnected', ({ appointmentId, userId }) => {
      const waiting = this.away.get(`${appointmentId}/${userId}`);
      this.away.delete(`${appointmentId}/${userId}`);
      if (waiting) {
        this.markWaiting(appointmentId, userId, waiting.displayName, waiting.since);
      }
    });
    this.socket.on('notification', (notification) => {
      const data = notification.data as {
        appointmentId?: string;
        otherParty?: { id?: string; displayName?: string };
      };
      if (notification.type === 'session.patient_waiting' && data.appointmentId) {
        const { id = 'patient', displayName = 'Your patient' } = data.otherParty ?? {};
        this.markWaiting(data.appointmentId, id, displayName);
      }
      this.unread.update((n) => n + 1);
      this.notifications.set(notification);
      this.changes.update((n) => n + 1);
    });
    this.socket.on('reconnected', () => {
      if (!this.guest) {
        void this.refreshUnread();
        void this.setPresence(this.myPresence.value);
      }
      this.changes.update((n) => n + 1);
    });
  }

  async start(): Promise<void> {
    addEventListener('offline', this.networkChanged);
    addEventListener('online', this.networkChanged);
    await this.socket.connect();
    if (!this.guest) {
      await this.refreshUnread();
    }
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

  private markWaiting(
    appointmentId: string,
    userId: string,
    displayName: string,
    since = Date.now(),
  ): void {
    if (!this.waiting.value[appointmentId]?.[userId]) {
      this.waiting.update((all) => ({
        ...all,
        [appointmentId]: { ...all[appointmentId], [userId]: { userId, displayName, since } },
      }));
    }
  }

  private unmarkWaiting(appointmentId: string, userId: string): void {
    const room = this.waiting.value[appointmentId];
    if (room?.[userId]) {
      const rest = { ...room };
      delete rest[userId];
      this.waiting.update((all) => ({ ...all, [appointmentId]: rest }));
    }
  }
}

export const live = new Store<Live | null>(null);
