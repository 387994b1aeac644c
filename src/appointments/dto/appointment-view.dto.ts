import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { AppointmentListItem, AppointmentView } from '../appointment.entity';
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

/** An appointment in a list: the same, with both people's names. */
@ApiSchema({ name: 'AppointmentListItem' })
export class AppointmentListItemDto extends AppointmentViewDto implements AppointmentListItem {
  @ApiProperty({ maxLength: 100, description: 'The patient’s display name' })
  patientName: string;

  @ApiProperty({ maxLength: 100, description: 'The clinician’s display name' })
  clinicianName: string;
}
