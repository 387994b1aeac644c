import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayDisconnect,
  SubscribeMessage,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { SocketGateway } from '../realtime/socket-gateway.decorator';
import { SetPresenceDto } from './dto/set-presence.dto';
import { PresenceService } from './presence.service';

@SocketGateway()
export class PresenceGateway
  implements OnGatewayConnection<WebSocket>, OnGatewayDisconnect<WebSocket>
{
  constructor(private readonly presence: PresenceService) {}

  private readonly logger = new Logger(PresenceGateway.name);

  handleConnection(client: WebSocket): void {
    this.presence
      .connected(connectionOf(client))
      .catch((error: unknown) => this.logger.error({ err: error }, 'Presence on connect failed'));
  }

  handleDisconnect(client: WebSocket): void {
    this.presence
      .disconnected(connectionOf(client).userId)
      .catch((error: unknown) =>
        this.logger.error({ err: error }, 'Presence on disconnect failed'),
      );
  }

  @SubscribeMessage('presence.set')
  set(@ConnectedSocket() client: WebSocket, @MessageBody() dto: SetPresenceDto) {
    return this.presence.choose(connectionOf(client).userId, dto.status);
  }
}
