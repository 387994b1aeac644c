import { IsUUID } from 'class-validator';

/** `session.join`, `session.admit`, `session.leave`, `session.end`. */
export class AppointmentRefDto {
  @IsUUID()
  appointmentId: string;
}
