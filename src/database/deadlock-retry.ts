import { isPgError } from './postgres-errors';

const PG_DEADLOCK_DETECTED = '40P01';

/**
 * Runs a transaction again when Postgres aborted it to break a deadlock. Concurrent bookings
 * that overlap on both a clinician and a patient can wait on each other's exclusion checks;
 * the retry then meets the committed winner and fails with the real, named conflict.
 */
export async function retryOnDeadlock<T>(transaction: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await transaction();
    } catch (error) {
      if (attempt >= attempts || !isPgError(error, PG_DEADLOCK_DETECTED)) {
        throw error;
      }
    }
  }
}
