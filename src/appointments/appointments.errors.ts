import { AppError } from '../common/app-error';
import type { AppointmentStatus } from './appointment-status';

export const AppointmentsErrors = {
  notFound: () => new AppError('not_found', 'APPOINTMENT_NOT_FOUND', 'No such appointment'),
  forbidden: (action: string) =>
    new AppError('forbidden', 'FORBIDDEN_ROLE', `Your role in this appointment may not ${action}`),
  conflict: (who: 'clinician' | 'patient') =>
    new AppError(
      'conflict',
      'APPOINTMENT_CONFLICT',
      `The ${who} already has an appointment at that time`,
      { with: who },
    ),
  invalidTransition: (from: AppointmentStatus, to: AppointmentStatus | 'rescheduled') =>
    new AppError('conflict', 'INVALID_TRANSITION', `A ${from} appointment cannot become ${to}`, {
      from,
      to,
    }),
  versionConflict: (currentVersion: number) =>
    new AppError(
      'conflict',
      'VERSION_CONFLICT',
      'The appointment changed since you read it; reload and try again',
      { currentVersion },
    ),
  versionRequired: () =>
    new AppError(
      'precondition_required',
      'VERSION_REQUIRED',
      'Send the version you read, as an If-Match header or `version` in the body',
    ),
  badIfMatch: () =>
    new AppError('invalid', 'INVALID_IF_MATCH', 'If-Match must hold a version number, like "3"'),
  inThePast: () => new AppError('invalid', 'APPOINTMENT_IN_PAST', 'startsAt must be in the future'),
  badTimeRange: (message: string) => new AppError('invalid', 'INVALID_TIME_RANGE', message),
  notStarted: () =>
    new AppError(
      'conflict',
      'APPOINTMENT_NOT_STARTED',
      'A visit can only be marked no-show after its start time',
    ),
  bookingNotAllowed: (message: string) => new AppError('forbidden', 'BOOKING_NOT_ALLOWED', message),
  patientRequired: () =>
    new AppError('invalid', 'PATIENT_REQUIRED', 'patientId is required when booking for a patient'),
  unknownParty: (who: 'clinician' | 'patient') =>
    new AppError(
      'invalid',
      who === 'clinician' ? 'CLINICIAN_NOT_FOUND' : 'PATIENT_NOT_FOUND',
      `No active ${who} with that id`,
    ),
  nothingToChange: () =>
    new AppError('invalid', 'NOTHING_TO_CHANGE', 'Send startsAt, endsAt or reason to change'),
  idempotencyKeyReused: () =>
    new AppError(
      'unprocessable',
      'IDEMPOTENCY_KEY_REUSED',
      'This Idempotency-Key was used for a different request',
    ),
  badIdempotencyKey: () =>
    new AppError(
      'invalid',
      'INVALID_IDEMPOTENCY_KEY',
      'Idempotency-Key must be 1 to 255 visible ASCII characters',
    ),
};
