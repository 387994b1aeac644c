import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PgBus } from '../realtime/pg-bus';
import { SocketDirectory } from '../realtime/socket-directory';
import { lockUsers } from '../realtime/user-locks';
import { ResumeGraceService } from './resume-grace.service';
import { RoomQueries } from './room-queries';
import { RoomChange, RoomStore } from './room-store';
import { SignalQueueStore } from './signal-queue.store';
import type { SignalMessage } from './visit-messages';
import type { Seat } from './visit-room';

/**
 * Instances stopped (or this one is stopping): the seats their sockets held go absent, so their
 * participants may resume elsewhere, and the signals still in their mailboxes are kept for them.
 */
@Injectable()
export class VisitReleaseService {
  private readonly logger = new Logger(VisitReleaseService.name);

  constructor(
    private readonly store: RoomStore,
    private readonly queries: RoomQueries,
    private readonly queue: SignalQueueStore,
    private readonly directory: SocketDirectory,
    private readonly bus: PgBus,
    private readonly grace: ResumeGraceService,
  ) {}

  /** Runs inside the release transaction; answers what to do once it has committed. */
  async release(manager: EntityManager, ids: string[]): Promise<() => void> {
    const visits = await this.queries.visitsOn(manager, ids);
    // Every room first, then every user, each in one order: as every other transaction does.
    const seated = await this.store.lockRooms(manager, visits);
    await lockUsers(manager, [...seated, ...(await this.directory.usersOn(manager, ids))]);
    const changes = await this.store.vacateInstances(manager, visits, ids);
    await this.keepUndelivered(manager, ids, changes);
    return () => this.grace.eachCommitted(changes, (change) => this.grace.reconnecting(change));
  }

  /**
   * Signals relayed (and acked as delivered) to sockets of released instances that those may
   * never have handled: kept for their seat, now absent, in the order sent, for the resume.
   * A few handled just before a crash may be given twice (decisions: several instances).
   */
  private async keepUndelivered(
    manager: EntityManager,
    ids: string[],
    changes: RoomChange<Seat[]>[],
  ): Promise<void> {
    const vacated = new Set(
      changes.flatMap((change) =>
        change.result.map(
          (seat) => `${change.after.appointmentId}:${seat.userId}:${seat.connectionId}`,
        ),
      ),
    );
    const signals = await this.bus.takeUnhandled<SignalMessage>(manager, ids, 'visit.signal', (m) =>
      vacated.has(`${m.appointmentId}:${m.userId}:${m.connectionId}`),
    );
    const dropped = await this.queue.requeue(manager, signals);
    if (dropped > 0) {
      this.logger.warn({ dropped }, 'Signals of a released instance over the queue bound');
    }
  }
}
