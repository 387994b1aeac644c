import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'ReadAllResult' })
export class ReadAllResultDto {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many were unread until now' })
  updated: number;
}
