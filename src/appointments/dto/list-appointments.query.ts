import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../common/pagination';
import { APPOINTMENT_STATUSES, AppointmentStatus } from '../appointment-status';
import { IsoDateTime } from './iso-date-time';

export class ListAppointmentsQuery extends PageQueryDto {
  @IsoDateTime({ optional: true, description: 'Only appointments starting at or after this' })
  from?: Date;

  @IsoDateTime({ optional: true, description: 'Only appointments starting before this' })
  to?: Date;

  @ApiPropertyOptional({ enum: APPOINTMENT_STATUSES })
  @IsOptional()
  @IsIn(APPOINTMENT_STATUSES)
  status?: AppointmentStatus;
}
