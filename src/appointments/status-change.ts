import type { EntityManager } from 'typeorm';
import { AppointmentStatus, canTransition } from './appointment-status';
import type { Appointment } from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';

/**
 * Moves a locked appointment to `to` if the status table allows it, bumping its version; every
 * status change (REST, visits, the scheduler's no-shows aside) goes through here. Completing
 * it records when (`endedAt`): from then on its remaining time is free (migration 8).
 */
export async function changeStatus(
  manager: EntityManager,
  current: Appointment,
  to: AppointmentStatus,
  endedAt?: Date,
): Promise<void> {
  if (!canTransition(current.status, to)) {
    throw AppointmentsErrors.invalidTransition(current.status, to);
  }
  await manager.query(
    `UPDATE appointments SET status = $2, ended_at = coalesce($3, ended_at),
            version = version + 1, updated_at = now()
      WHERE id = $1`,
    [current.id, to, to === 'completed' ? (endedAt ?? new Date()) : null],
  );
}
