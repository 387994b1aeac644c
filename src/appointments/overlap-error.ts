import { constraintOf, isPgError, PG_EXCLUSION_VIOLATION } from '../database/postgres-errors';
import { AppointmentsErrors } from './appointments.errors';

/** Runs a write and turns the no-double-booking constraints' violation into APPOINTMENT_CONFLICT. */
export async function translateOverlap<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isPgError(error, PG_EXCLUSION_VIOLATION)) {
      throw AppointmentsErrors.conflict(
        constraintOf(error) === 'appointments_patient_no_overlap' ? 'patient' : 'clinician',
      );
    }
    throw error;
  }
}
