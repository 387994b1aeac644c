import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { ParticipantRole } from '../../signaling/visit-room';
import type { ChatMessageView } from '../chat-message';

@ApiSchema({ name: 'ChatMessage' })
export class ChatMessageDto implements ChatMessageView {
  @ApiProperty({ format: 'uuid' })
  appointmentId: string;

  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ description: 'Order within the visit, from 1' })
  seq: number;

  @ApiProperty({ format: 'uuid', description: 'The sender' })
  from: string;

  @ApiProperty({ enum: ['patient', 'clinician'] })
  role: ParticipantRole;

  @ApiProperty()
  displayName: string;

  @ApiProperty({ maxLength: 2000 })
  text: string;

  @ApiProperty({ type: String, format: 'date-time' })
  sentAt: string;
}

@ApiSchema({ name: 'ChatMessageList' })
export class ChatMessageListDto {
  @ApiProperty({ type: [ChatMessageDto], description: 'Oldest first, at most 200' })
  items: ChatMessageDto[];
}
