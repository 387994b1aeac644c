import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsoDateTime } from './iso-date-time';

export class CreateAppointmentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  clinicianId: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Required for clinicians and admins' })
  @IsOptional()
  @IsUUID()
  patientId?: string;

  @IsoDateTime()
  startsAt: Date;

  @IsoDateTime()
  endsAt: Date;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Your slot hold for this time (POST /api/slot-holds); it is used up',
  })
  @IsOptional()
  @IsUUID()
  holdId?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
