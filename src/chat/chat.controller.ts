import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/request-origin.decorator';
import { ApiErrors, SIGNED_IN } from '../common/api-errors.decorator';
import { ChatService } from './chat.service';
import { ChatMessageListDto } from './dto/chat-message.dto';
import { ListMessagesQuery } from './dto/chat-history.dto';

@ApiTags('appointments')
@ApiBearerAuth()
@Controller('appointments')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get(':id/messages')
  @ApiOperation({
    summary: 'List the chat of a visit',
    description:
      'Oldest first, at most 200 after `after` (a seq). For the participants and admins; anyone ' +
      'else gets 404, as if the appointment did not exist.',
  })
  @ApiOkResponse({ description: 'The messages', type: ChatMessageListDto })
  @ApiErrors(SIGNED_IN, { 400: ['VALIDATION_FAILED'], 404: ['APPOINTMENT_NOT_FOUND'] })
  async list(
    @CurrentCaller() caller: Caller,
    @Param('id') id: string,
    @Query() query: ListMessagesQuery,
  ) {
    return { items: await this.chat.history(caller, id, query.after) };
  }
}
