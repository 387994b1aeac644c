import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { SocketGateway } from '../realtime/socket-gateway.decorator';
import { ChatService } from './chat.service';
import { ChatHistoryDto } from './dto/chat-history.dto';
import { SendChatDto } from './dto/send-chat.dto';

/** `chat.send` and `chat.history` (docs/asyncapi.yaml). */
@SocketGateway()
export class ChatGateway {
  constructor(private readonly chat: ChatService) {}

  @SubscribeMessage('chat.send')
  send(@ConnectedSocket() client: WebSocket, @MessageBody() dto: SendChatDto) {
    return this.chat.send(connectionOf(client), dto);
  }

  @SubscribeMessage('chat.history')
  async history(@ConnectedSocket() client: WebSocket, @MessageBody() dto: ChatHistoryDto) {
    const connection = connectionOf(client);
    return { items: await this.chat.historyFor(connection, dto.appointmentId, dto.after) };
  }
}
