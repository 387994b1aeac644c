import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AuthModule } from '../auth/auth.module';
import { PresenceModule } from '../presence/presence.module';
import { ProtocolDocController } from './protocol-doc.controller';
import { RoomStore } from './room-store';
import { SignalingGateway } from './signaling.gateway';
import { VisitMetrics } from './visit.metrics';
import { VisitsService } from './visits.service';

@Module({
  imports: [AuthModule, AppointmentsModule, PresenceModule],
  controllers: [ProtocolDocController],
  providers: [SignalingGateway, VisitsService, RoomStore, VisitMetrics],
})
export class SignalingModule {}
