import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AuthModule } from '../auth/auth.module';
import { InvitesModule } from '../invites/invites.module';
import { PresenceModule } from '../presence/presence.module';
import { IceRefreshService } from './ice-refresh.service';
import { JoinVisitUseCase } from './join-visit.use-case';
import { LocalRooms } from './local-rooms';
import { ProtocolDocController } from './protocol-doc.controller';
import { ResumeGraceService } from './resume-grace.service';
import { RoomFanout } from './room-fanout';
import { RoomQueries } from './room-queries';
import { RoomStore } from './room-store';
import { SignalQueueStore } from './signal-queue.store';
import { SignalRelayService } from './signal-relay.service';
import { SignalingGateway } from './signaling.gateway';
import { VisitControlsService } from './visit-controls.service';
import { VisitHooks } from './visit-hooks';
import { VisitReleaseService } from './visit-release.service';
import { VisitRoster } from './visit-roster';
import { VisitMetrics } from './visit.metrics';

@Module({
  imports: [AuthModule, AppointmentsModule, PresenceModule, InvitesModule],
  controllers: [ProtocolDocController],
  providers: [
    SignalingGateway,
    JoinVisitUseCase,
    VisitControlsService,
    SignalRelayService,
    ResumeGraceService,
    VisitReleaseService,
    IceRefreshService,
    LocalRooms,
    RoomFanout,
    RoomStore,
    RoomQueries,
    SignalQueueStore,
    VisitHooks,
    VisitMetrics,
    VisitRoster,
  ],
  exports: [VisitRoster],
})
export class SignalingModule {}
