import type { EntityManager } from 'typeorm';
import { AppointmentStatus, canTransition } from './appointment-status';
import type { Appointment } from './appointment.entity';
import { AppointmentsErrors } from './appointments.errors';

/**
 * Moves a locked appointment to `to` if the status table allows it, bumping its version; every
 * status change (REST, visits, the scheduler's no-shows aside) goes through here.
 */
export async function changeStatus(
  manager: EntityManager,
  current: Appointment,
  to: AppointmentStatus,
): Promise<void> {
  if (!canTransition(current.status, to)) {
    throw AppointmentsErrors.invalidTransition(current.status, to);
  }
  await manager.query(
    `UPDATE appointments SET status = $2, version = version + 1, updated_at = now() WHERE id = $1`,
    [current.id, to],
  );
}
