import { AppError } from '../common/app-error';

export const UsersErrors = {
  emailTaken: () =>
    new AppError('conflict', 'EMAIL_TAKEN', 'An account with this email already exists'),
  notFound: () => new AppError('not_found', 'USER_NOT_FOUND', 'No such user'),
  tooManyRegistrations: (retryAfterSeconds: number) =>
    new AppError(
      'rate_limited',
      'TOO_MANY_REGISTRATIONS',
      'Too many accounts registered from this address; try again later',
      { retryAfterSeconds },
    ),
  busy: (retryAfterSeconds: number) =>
    new AppError(
      'unavailable',
      'SERVICE_UNAVAILABLE',
      'Too many passwords being checked at once; try again shortly',
      {
        retryAfterSeconds,
      },
    ),
  cannotDisableSelf: () =>
    new AppError('invalid', 'CANNOT_DISABLE_SELF', 'An admin cannot disable their own account'),
};
