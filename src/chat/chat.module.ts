import { Module } from '@nestjs/common';
import { AppointmentsModule } from '../appointments/appointments.module';
import { SignalingModule } from '../signaling/signaling.module';
import { ChatController } from './chat.controller';
import { ChatGateway } from './chat.gateway';
import { ChatRepository } from './chat.repository';
import { ChatService } from './chat.service';

/** Chat in a visit (PRODUCT §9), beside the visit core and reaching it only through VisitRoster. */
@Module({
  imports: [AppointmentsModule, SignalingModule],
  controllers: [ChatController],
  providers: [ChatGateway, ChatService, ChatRepository],
})
export class ChatModule {}
