import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';

/** `chat.history`: the messages after `after`, the `seq` of the last one the client has. */
export class ChatHistoryDto {
  @IsUUID()
  appointmentId: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  after?: number;
}

/** `GET /api/appointments/:id/messages?after=`. */
export class ListMessagesQuery {
  @ApiPropertyOptional({ description: 'Only messages with a greater seq', minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  after?: number;
}
