import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AppointmentView } from '../appointment.entity';
import { APPOINTMENT_STATUSES, AppointmentStatus } from '../appointment-status';

/** The contract's appointment. */
@ApiSchema({ name: 'Appointment' })
export class AppointmentViewDto implements AppointmentView {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  patientId: string;

  @ApiProperty({ format: 'uuid' })
  clinicianId: string;

  @ApiProperty({ type: String, format: 'date-time' })
  startsAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  endsAt: string;

  @ApiProperty({ enum: APPOINTMENT_STATUSES })
  status: AppointmentStatus;

  @ApiProperty({ type: String, nullable: true, maxLength: 1000 })
  reason: string | null;

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'Goes up by one on every change; send it back (If-Match) to reschedule',
  })
  version: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;
}
