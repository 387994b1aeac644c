import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionRegistry } from './connection-registry';
import { SignalingGateway } from './signaling.gateway';
import { VisitsService } from './visits.service';

@Module({
  imports: [AuthModule, AppointmentsModule],
  providers: [SignalingGateway, VisitsService, ConnectionRegistry],
  exports: [ConnectionRegistry],
})
export class SignalingModule {}
