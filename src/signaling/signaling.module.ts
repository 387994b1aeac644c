import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { AuthModule } from '../auth/auth.module';
import { ProtocolDocController } from './protocol-doc.controller';
import { SignalingGateway } from './signaling.gateway';
import { VisitsService } from './visits.service';

@Module({
  imports: [AuthModule, AppointmentsModule],
  controllers: [ProtocolDocController],
  providers: [SignalingGateway, VisitsService],
})
export class SignalingModule {}
