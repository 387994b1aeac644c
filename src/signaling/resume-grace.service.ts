import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Coalescer } from '../common/coalescer';
import type { Connection } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { InstanceRegistry } from '../realtime/instance-registry';
import { LocalRooms } from './local-rooms';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { HeldSeat, RoomChange, RoomStore } from './room-store';
import { asAbsent } from './seat-rows';
import { SignalQueueStore } from './signal-queue.store';
import { VisitMetrics } from './visit.metrics';
import { peerLeft, peerReconnecting } from './visit-frames';
import type { Seat } from './visit-room';

/**
 * A dropped participant keeps their seat for the resume grace: the peer sees them reconnecting,
 * and once the grace is over without a return, leaving (`disconnected`).
 */
@Injectable()
export class ResumeGraceService {
  private readonly logger = new Logger(ResumeGraceService.name);
  /** Resume grace periods started here, by `appointmentId:userId`. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * Seats whose socket closed, marked absent many at a time, and (a grace period later) given
   * up many at a time: when a thousand sockets drop together (a network blip, a restarting
   * proxy) their seats take a few transactions, not a thousand, and the database pool stays
   * free for everyone else.
   */
  private readonly drops = new Coalescer<HeldSeat, void>(async (seats) => {
    this.eachCommitted(await this.store.markAbsent(seats), (change) => this.reconnecting(change));
    return seats.map(() => ({ ok: true, value: undefined }));
  });
  private readonly expiries = new Coalescer<{ appointmentId: string; userId: string }, void>(
    async (seats) => {
      this.eachCommitted(await this.store.expire(seats), (change) => this.left(change));
      return seats.map(() => ({ ok: true, value: undefined }));
    },
  );

  constructor(
    private readonly store: RoomStore,
    private readonly queries: RoomQueries,
    private readonly queue: SignalQueueStore,
    private readonly rooms: LocalRooms,
    private readonly fanout: RoomFanout,
    private readonly registry: ConnectionRegistry,
    private readonly instances: InstanceRegistry,
    private readonly metrics: VisitMetrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A socket dropped: its visits keep its seat for the grace period. */
  disconnected(connection: Connection): void {
    for (const appointmentId of this.rooms.visitsOf(connection.id)) {
      const seat = this.rooms.seatOf(connection.id, appointmentId);
      if (seat) {
        this.drops
          .add({ appointmentId, userId: seat.userId, connectionId: connection.id })
          .catch((error: unknown) =>
            this.logger.error({ err: error }, 'Could not mark a seat absent'),
          );
      }
    }
  }

  /** Seats went absent (committed): their grace starts, and their peers are told. */
  reconnecting(change: RoomChange<Seat[]>): void {
    this.rooms.adopt(change.after);
    const users = change.result.map((seat) => seat.userId);
    users.forEach((userId) => this.start(change.after.appointmentId, userId));
    this.fanout.publish(
      change,
      users.flatMap((userId) => peerReconnecting(change.after, userId)),
    );
  }

  /**
   * A resume whose socket closed as it took the seat: the seat is absent again, and the
   * signals the resume had taken are kept again for the next one, in one transaction.
   */
  async giveBack(
    appointmentId: string,
    userId: string,
    connectionId: string,
    requeue: string[],
  ): Promise<void> {
    const change = await this.store.change(appointmentId, async (seats, manager) => {
      const seat = seats[userId];
      if (seat?.connectionId !== connectionId) {
        return [];
      }
      seats[userId] = asAbsent(seat);
      for (const frame of requeue) {
        await this.queue.enqueue(manager, appointmentId, userId, frame);
      }
      return [seat];
    });
    this.reconnecting(change);
  }

  /** Seats held by sockets here that are gone (a failed update): their participants are away. */
  async markClosedSeatsAbsent(): Promise<void> {
    const seats = await this.queries.seatsOn(this.instances.id);
    const gone = seats.filter((seat) => !this.registry.byConnectionId(seat.connectionId)?.isOpen);
    await Promise.all(gone.map((seat) => this.drops.add(seat)));
  }

  /** Backstop for grace periods whose timer died with its instance. */
  async expireOverdue(): Promise<void> {
    const overdue = await this.queries.expiredSeats();
    await Promise.all(overdue.map((seat) => this.expiries.add(seat)));
  }

  stop(appointmentId: string, userId: string): void {
    clearTimeout(this.timers.get(`${appointmentId}:${userId}`));
    this.timers.delete(`${appointmentId}:${userId}`);
  }

  forgetAll(): void {
    this.timers.forEach(clearTimeout);
    this.timers.clear();
  }

  /**
   * Follows up each committed change of a batch on its own: one that fails is logged, and the
   * others (and the batch, which must not be run again) go on.
   */
  eachCommitted(changes: RoomChange<Seat[]>[], follow: (change: RoomChange<Seat[]>) => void) {
    for (const change of changes) {
      try {
        follow(change);
      } catch (error) {
        this.logger.error({ err: error }, 'Could not follow up a visit change');
      }
    }
  }

  /** Seats given up after their grace (committed): their peers are told. */
  private left(change: RoomChange<Seat[]>): void {
    this.metrics.expired(change.result.length);
    this.rooms.adopt(change.after);
    this.fanout.publish(
      change,
      change.result.flatMap((seat) => peerLeft(change.after, seat, 'disconnected')),
    );
  }

  private start(appointmentId: string, userId: string): void {
    this.stop(appointmentId, userId);
    const timer = setTimeout(() => {
      this.timers.delete(`${appointmentId}:${userId}`);
      this.expiries
        .add({ appointmentId, userId })
        .catch((error: unknown) =>
          this.logger.error({ err: error }, 'Could not end a grace period'),
        );
    }, this.config.visits.resumeGraceSeconds * 1000);
    timer.unref();
    this.timers.set(`${appointmentId}:${userId}`, timer);
  }
}
