import {
  Inject,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { VisitClosures } from '../appointments/visit-closures';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { LocalRooms } from './local-rooms';
import { ResumeGraceService } from './resume-grace.service';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { SignalRelayService } from './signal-relay.service';
import { VisitControlsService } from './visit-controls.service';
import { VISIT_GUESTS, VisitGuests } from './visit-guests';
import { VisitReleaseService } from './visit-release.service';
import { VisitMetrics } from './visit.metrics';
import {
  isRoomMessage,
  isSignalMessage,
  isUserMessage,
  type RoomMessage,
  type SignalMessage,
  type UserMessage,
} from './visit-messages';

/**
 * Everything the visit core runs on cluster and lifecycle events, in one list: bus messages
 * from other instances, each heartbeat, the release of instances, eviction and shutdown, visits
 * closed elsewhere.
 */
@Injectable()
export class VisitHooks implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(VisitHooks.name);

  constructor(
    private readonly instances: InstanceRegistry,
    private readonly bus: PgBus,
    private readonly closures: VisitClosures,
    private readonly metrics: VisitMetrics,
    private readonly rooms: LocalRooms,
    private readonly fanout: RoomFanout,
    private readonly relay: SignalRelayService,
    private readonly grace: ResumeGraceService,
    private readonly controls: VisitControlsService,
    private readonly release: VisitReleaseService,
    private readonly queries: RoomQueries,
    @Optional() @Inject(VISIT_GUESTS) private readonly guests?: VisitGuests,
  ) {}

  onModuleInit(): void {
    this.metrics.watch(
      () => this.instances.id,
      () => this.rooms.snapshots(),
    );
    this.bus.onMessage<RoomMessage>('visit.room', (m) =>
      this.checked(m, isRoomMessage) ? this.fanout.applyRemote(m) : undefined,
    );
    this.bus.onMessage<SignalMessage>('visit.signal', (m) =>
      this.checked(m, isSignalMessage) ? this.relay.receive(m) : undefined,
    );
    this.bus.onMessage<UserMessage>('visit.user', (m) =>
      this.checked(m, isUserMessage) ? this.fanout.toSocketsHere(m.userId, m.text) : undefined,
    );
    this.closures.onClosed((visits) => this.controls.closeSeats(visits));
    this.guests?.onRevoked((appointmentId, userId) => this.controls.revoked(appointmentId, userId));
    this.instances.onRelease('visit-rooms', (manager, ids) => this.release.release(manager, ids));
    this.instances.onEvicted(() => this.forgetAll());
    this.instances.onBeat(async () => {
      await this.grace.markClosedSeatsAbsent();
      await this.grace.expireOverdue();
      await this.controls.closeSeats(await this.queries.seatsOfClosedVisits());
    });
  }

  onModuleDestroy(): void {
    this.forgetAll();
  }

  /** A bus message of the wrong shape is dropped with a warning naming its kind only. */
  private checked<T>(message: T, is: (m: unknown) => m is T): boolean {
    if (is(message)) {
      return true;
    }
    this.logger.warn({ kind: (message as { kind?: unknown })?.kind }, 'Malformed bus message');
    return false;
  }

  private forgetAll(): void {
    this.grace.forgetAll();
    this.rooms.forgetAll();
  }
}
