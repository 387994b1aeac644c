import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AuthModule } from '../auth/auth.module';
import { ConnectionRegistry } from './connection-registry';
import { ProtocolDocController } from './protocol-doc.controller';
import { SignalingGateway } from './signaling.gateway';
import { VisitsService } from './visits.service';

@Module({
  imports: [AuthModule, AppointmentsModule],
  controllers: [ProtocolDocController],
  providers: [SignalingGateway, VisitsService, ConnectionRegistry],
  exports: [ConnectionRegistry],
})
export class SignalingModule {}
