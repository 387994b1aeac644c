import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, LIST_QUERY, SIGNED_IN } from '../common/api-errors.decorator';
import { PageOf } from '../common/dto/page-of';
import { uuidPipe } from '../common/uuid.pipe';
import { ListNotificationsQuery } from './dto/list-notifications.query';
import { NotificationViewDto } from './dto/notification-view.dto';
import { ReadAllResultDto } from './dto/read-all-result.dto';
import { UnreadCountDto } from './dto/unread-count.dto';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'List my notifications', description: 'Newest first.' })
  @ApiOkResponse({ description: 'One page', type: PageOf(NotificationViewDto, 'NotificationPage') })
  @ApiErrors(SIGNED_IN, LIST_QUERY)
  list(@CurrentCaller() caller: Caller, @Query() query: ListNotificationsQuery) {
    return this.notifications.list(caller.userId, query.unread ?? false, query.cursor, query.limit);
  }

  @Get('unread-count')
  @ApiOperation({ summary: 'Count my unread notifications' })
  @ApiOkResponse({ description: 'The count', type: UnreadCountDto })
  @ApiErrors(SIGNED_IN)
  async unreadCount(@CurrentCaller() caller: Caller) {
    return { count: await this.notifications.unreadCount(caller.userId) };
  }

  @Post('read-all')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark all my notifications read' })
  @ApiOkResponse({ description: 'All read', type: ReadAllResultDto })
  @ApiErrors(SIGNED_IN)
  async readAll(@CurrentCaller() caller: Caller) {
    return { updated: await this.notifications.markAllRead(caller.userId) };
  }

  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark one notification read', description: 'Reading it again is fine.' })
  @ApiOkResponse({ description: 'Read', type: NotificationViewDto })
  @ApiErrors(SIGNED_IN, { 404: ['NOTIFICATION_NOT_FOUND'] })
  read(
    @CurrentCaller() caller: Caller,
    @Param('id', uuidPipe('NOTIFICATION_NOT_FOUND')) id: string,
  ) {
    return this.notifications.markRead(caller.userId, id);
  }
}
