import { Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  SubscribeMessage,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { SocketGateway } from '../realtime/socket-gateway.decorator';
import { SetPresenceDto } from './dto/set-presence.dto';
import { PresenceService } from './presence.service';

/** Sockets coming and going change presence through the socket directory, not here. */
@SocketGateway()
export class PresenceGateway implements OnGatewayConnection<WebSocket> {
  private readonly logger = new Logger(PresenceGateway.name);

  constructor(private readonly presence: PresenceService) {}

  handleConnection(client: WebSocket): void {
    this.presence
      .connected(connectionOf(client))
      .catch((error: unknown) => this.logger.error({ err: error }, 'Presence on connect failed'));
  }

  @SubscribeMessage('presence.set')
  set(@ConnectedSocket() client: WebSocket, @MessageBody() dto: SetPresenceDto) {
    return this.presence.choose(connectionOf(client).userId, dto.status);
  }
}
