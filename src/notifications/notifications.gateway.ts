import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { connectionOf } from '../realtime/connection';
import { SocketGateway } from '../realtime/socket-gateway.decorator';
import { SyncNotificationsDto } from './dto/sync-notifications.dto';
import { NotificationsService } from './notifications.service';

@SocketGateway()
export class NotificationsGateway {
  constructor(private readonly notifications: NotificationsService) {}

  @SubscribeMessage('notifications.sync')
  async sync(@ConnectedSocket() client: WebSocket, @MessageBody() dto: SyncNotificationsDto) {
    return { items: await this.notifications.sync(connectionOf(client).userId, dto.after) };
  }
}
