import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'DeliveryFailure' })
export class DeliveryFailureDto {
  @ApiProperty({ format: 'uuid' })
  notificationId: string;

  @ApiProperty({ enum: ['push', 'email'] })
  channel: string;

  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ description: "The recipient's email address (to spot a mistyped one)" })
  email: string;

  @ApiProperty({ description: 'What the peer answered, e.g. SMTP_550 or PUSH_400' })
  error: string;

  @ApiProperty()
  attempts: number;

  @ApiProperty({ type: String, format: 'date-time' })
  at: string;
}
