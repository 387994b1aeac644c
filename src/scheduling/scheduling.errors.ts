import { AppError } from '../common/app-error';

export const SchedulingErrors = {
  clinicianNotFound: () =>
    new AppError('not_found', 'CLINICIAN_NOT_FOUND', 'No active clinician with that id'),
  scheduleNotFound: () =>
    new AppError('not_found', 'SCHEDULE_NOT_FOUND', 'This clinician has not published hours'),
  notYours: () =>
    new AppError('forbidden', 'FORBIDDEN_ROLE', 'A clinician edits only their own schedule'),
  versionConflict: (currentVersion: number) =>
    new AppError(
      'conflict',
      'VERSION_CONFLICT',
      'The schedule changed since you read it; reload and try again',
      { currentVersion },
    ),
  versionRequired: () =>
    new AppError(
      'precondition_required',
      'VERSION_REQUIRED',
      'Send the version you read as If-Match to replace a schedule',
    ),
  badIfMatch: () =>
    new AppError('invalid', 'INVALID_IF_MATCH', 'If-Match must hold a version number, like "3"'),
  badWindow: (message: string) => new AppError('invalid', 'INVALID_TIME_RANGE', message),
  appointmentNotFound: () =>
    new AppError('not_found', 'APPOINTMENT_NOT_FOUND', 'No such appointment'),
  slotUnavailable: () =>
    new AppError(
      'conflict',
      'SLOT_UNAVAILABLE',
      'That time is not a free slot of this clinician; search the slots again',
    ),
  holdNotAllowed: () =>
    new AppError('forbidden', 'BOOKING_NOT_ALLOWED', 'A clinician holds only in their own diary'),
  holdNotFound: () => new AppError('not_found', 'HOLD_NOT_FOUND', 'No such slot hold of yours'),
};
