import { AppointmentsErrors } from './appointments.errors';

export const MIN_LENGTH_MINUTES = 5;
export const MAX_LENGTH_MINUTES = 4 * 60;

/** A bookable slot: in the future, ending after it starts, 5 minutes to 4 hours long. */
export function assertBookableSlot(startsAt: Date, endsAt: Date, now: Date): void {
  if (startsAt.getTime() <= now.getTime()) {
    throw AppointmentsErrors.inThePast();
  }
  const minutes = (endsAt.getTime() - startsAt.getTime()) / 60_000;
  if (minutes <= 0) {
    throw AppointmentsErrors.badTimeRange('endsAt must be after startsAt');
  }
  if (minutes < MIN_LENGTH_MINUTES || minutes > MAX_LENGTH_MINUTES) {
    throw AppointmentsErrors.badTimeRange(
      `A visit lasts ${MIN_LENGTH_MINUTES} minutes to ${MAX_LENGTH_MINUTES / 60} hours`,
    );
  }
}
