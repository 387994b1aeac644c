import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'UnreadCount' })
export class UnreadCountDto {
  @ApiProperty({ type: 'integer', minimum: 0 })
  count: number;
}
