import { IsOptional, IsUUID } from 'class-validator';

/** `session.admit`: without `userId`, the waiting patient (as in a visit of two). */
export class AdmitDto {
  @IsUUID()
  appointmentId: string;

  @IsOptional()
  @IsUUID()
  userId?: string;
}

/** `session.remove`: a guest the host sends out of the visit. */
export class RemoveDto {
  @IsUUID()
  appointmentId: string;

  @IsUUID()
  userId: string;
}
