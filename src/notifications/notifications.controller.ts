import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { uuidPipe } from '../common/uuid.pipe';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  list(@CurrentCaller() caller: Caller, @Query() query: ListNotificationsQuery) {
    return this.notifications.list(caller.userId, query.unread ?? false, query.cursor, query.limit);
  }

  @Get('unread-count')
  async unreadCount(@CurrentCaller() caller: Caller) {
    return { count: await this.notifications.unreadCount(caller.userId) };
  }

  @Post('read-all')
  @HttpCode(HttpStatus.OK)
  async readAll(@CurrentCaller() caller: Caller) {
    return { updated: await this.notifications.markAllRead(caller.userId) };
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  read(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe('NOTIFICATION_NOT_FOUND')) id: string,
  ) {
    return this.notifications.markRead(caller.userId, id);
  }
}
