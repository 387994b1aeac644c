import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { VisitClosures } from '../appointments/visit-closures';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { LocalRooms } from './local-rooms';
import { ResumeGraceService } from './resume-grace.service';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { SignalRelayService } from './signal-relay.service';
import { VisitControlsService } from './visit-controls.service';
import { VisitReleaseService } from './visit-release.service';
import { VisitMetrics } from './visit.metrics';
import type { RoomMessage, SignalMessage, UserMessage } from './visit-messages';

/**
 * Everything the visit core runs on cluster and lifecycle events, in one list: bus messages
 * from other instances, each heartbeat, the release of instances, eviction and shutdown, visits
 * closed elsewhere.
 */
@Injectable()
export class VisitHooks implements OnModuleInit, OnModuleDestroy {
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
  ) {}

  onModuleInit(): void {
    this.metrics.watch(
      () => this.instances.id,
      () => this.rooms.snapshots(),
    );
    this.bus.onMessage<RoomMessage>('visit.room', (m) => this.fanout.applyRemote(m));
    this.bus.onMessage<SignalMessage>('visit.signal', (m) => this.relay.receive(m));
    this.bus.onMessage<UserMessage>('visit.user', (m) =>
      this.fanout.toSocketsHere(m.userId, m.text),
    );
    this.closures.onClosed((visits) => this.controls.closeSeats(visits));
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

  private forgetAll(): void {
    this.grace.forgetAll();
    this.rooms.forgetAll();
  }
}
