import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { IsoDateTime } from './iso-date-time';

export class UpdateAppointmentDto {
  @IsoDateTime({ optional: true })
  startsAt?: Date;

  @IsoDateTime({ optional: true })
  endsAt?: Date;

  @ApiPropertyOptional({ maxLength: 1000, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  /** null clears it. */
  reason?: string | null;

  @ApiPropertyOptional({ description: 'The version you read; or send it as If-Match' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;
}
