import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { IsoDateTime } from '../../appointments/dto/iso-date-time';

export class WindowQuery {
  @IsoDateTime({ description: 'Start of the window (inclusive)' })
  from: Date;

  @IsoDateTime({ description: 'End of the window (exclusive), at most 31 days after from' })
  to: Date;
}

export class SlotsQuery extends WindowQuery {
  @ApiPropertyOptional({ minimum: 5, maximum: 240, description: 'Minutes; default slotMinutes' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(5)
  @Max(240)
  duration?: number;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'One of your appointments with this clinician, whose time counts as free',
  })
  @IsOptional()
  @IsUUID()
  excludeAppointment?: string;
}
