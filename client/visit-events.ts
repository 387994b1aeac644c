import type { SocketEvents, TelevisitSocket } from './televisit-socket.js';

export type VisitEventName = {
  [E in keyof SocketEvents]: SocketEvents[E] extends { appointmentId: string } ? E : never;
}[keyof SocketEvents];

/**
 * A socket's events about one visit, and only while it matters: handlers run for this
 * appointment's events until the visit is over, and are held back (then replayed in order)
 * while the join's ack is being applied, so nothing is applied before the state it changes.
 */
export class VisitEvents {
  private subscriptions: Array<() => void> = [];
  private held: Array<() => void> | null = null;

  constructor(
    private readonly socket: TelevisitSocket,
    private readonly appointmentId: string,
    private readonly over: () => boolean,
  ) {}

  on<E extends VisitEventName>(event: E, handler: (data: SocketEvents[E]) => void): void {
    const off = this.socket.on(event, (data) => {
      if (data.appointmentId !== this.appointmentId || this.over()) {
        return;
      }
      if (this.held) {
        this.held.push(() => handler(data));
      } else {
        handler(data);
      }
    });
    this.subscriptions.push(off);
  }

  /** The socket's own news: it closed for good, and no visit comes back with it. */
  onClosed(handler: () => void): void {
    this.subscriptions.push(
      this.socket.on('disconnected', (d) => {
        if (!d.willReconnect) {
          handler();
        }
      }),
    );
  }

  hold(): void {
    this.held = [];
  }

  /** Replays what arrived while held, in order of arrival. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    held.forEach((replay) => replay());
  }

  off(): void {
    this.subscriptions.forEach((off) => off());
    this.subscriptions = [];
    this.held = null;
  }
}
