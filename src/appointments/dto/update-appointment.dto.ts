import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IsoDateTime } from './iso-date-time';

export class UpdateAppointmentDto {
  @IsoDateTime({ optional: true })
  startsAt?: Date;

  @IsoDateTime({ optional: true })
  endsAt?: Date;

  @ApiPropertyOptional({
    type: String,
    maxLength: 1000,
    nullable: true,
    description: 'null clears it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'The version you read; or send it as If-Match',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}
