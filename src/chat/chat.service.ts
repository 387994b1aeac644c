import { Injectable, Logger } from '@nestjs/common';
import { AppointmentAccessService } from '../appointments/appointment-access.service';
import type { Caller } from '../auth/caller';
import type { Connection } from '../realtime/connection';
import { ackThen } from '../realtime/frame-context';
import { frameOf } from '../realtime/socket-events';
import { VisitRoster } from '../signaling/visit-roster';
import { viewOf, type ChatMessageView } from './chat-message';
import { ChatRate } from './chat-rate';
import { ChatRepository } from './chat.repository';
import { ChatErrors } from './chat.errors';
import type { SendChatDto } from './dto/send-chat.dto';

/**
 * Chat in a visit: sent by whoever holds a seat (waiting or admitted), stored and numbered, and
 * handed to everyone present; read back by the appointment's participants (and admins). The
 * text is never logged.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  private readonly rate = new ChatRate();

  constructor(
    private readonly roster: VisitRoster,
    private readonly messages: ChatRepository,
    private readonly access: AppointmentAccessService,
  ) {}

  async send(connection: Connection, dto: SendChatDto) {
    const { appointmentId, clientMessageId, text } = dto;
    const sender = this.roster.requirePresent(connection, appointmentId);
    if (!this.rate.take(`${appointmentId}:${sender.userId}`, Date.now())) {
      throw ChatErrors.rateLimited();
    }
    const { row, created } = await this.messages.add(appointmentId, sender, clientMessageId, text);
    const message = viewOf(row);
    // The ack's own `id` is the frame's (PRODUCT §3), so the message's id is `messageId` here.
    const ack = { messageId: message.id, seq: message.seq, sentAt: message.sentAt };
    if (!created) {
      return ack;
    }
    return ackThen(ack, () => {
      this.roster
        .toEveryonePresent(appointmentId, frameOf('chat.message', message))
        .catch((error: unknown) =>
          this.logger.error({ err: error }, 'Could not hand a chat message on'),
        );
    });
  }

  /**
   * From a socket: anyone seated in the visit from it (a guest too, who has no REST), or else
   * whoever may see the appointment.
   */
  async historyFor(
    connection: Connection,
    appointmentId: string,
    after?: number,
  ): Promise<ChatMessageView[]> {
    if (this.roster.isPresent(connection, appointmentId)) {
      return (await this.messages.after(appointmentId, after)).map(viewOf);
    }
    return this.history(connection.caller, appointmentId, after);
  }

  /** The visit's messages after `after` (a seq), for a participant or an admin. */
  async history(caller: Caller, appointmentId: string, after?: number): Promise<ChatMessageView[]> {
    await this.access.requireAppointment(caller, appointmentId, 'view');
    return (await this.messages.after(appointmentId, after)).map(viewOf);
  }
}
