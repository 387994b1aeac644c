import { UseFilters, UsePipes } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import type { WebSocket } from 'ws';
import { createValidationPipe } from '../common/validation';
import { connectionOf } from '../realtime/connection';
import { WsErrorFilter } from '../realtime/ws-error.filter';
import { SyncNotificationsDto } from './dto/sync-notifications.dto';
import { NotificationsService } from './notifications.service';

@WebSocketGateway({ path: '/ws' })
@UsePipes(createValidationPipe())
@UseFilters(WsErrorFilter)
export class NotificationsGateway {
  constructor(private readonly notifications: NotificationsService) {}

  @SubscribeMessage('notifications.sync')
  async sync(@ConnectedSocket() client: WebSocket, @MessageBody() dto: SyncNotificationsDto) {
    return { items: await this.notifications.sync(connectionOf(client).userId, dto.after) };
  }
}
