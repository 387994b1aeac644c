import { AppError } from '../common/app-error';

export const AuthErrors = {
  invalidCredentials: () =>
    new AppError('unauthenticated', 'INVALID_CREDENTIALS', 'Email or password is wrong'),
  accountDisabled: () =>
    new AppError('unauthenticated', 'ACCOUNT_DISABLED', 'This account has been disabled'),
  tooManyAttempts: (retryAfterSeconds: number) =>
    new AppError(
      'rate_limited',
      'TOO_MANY_LOGIN_ATTEMPTS',
      'Too many failed logins; try again later',
      { retryAfterSeconds },
    ),
  invalidRefreshToken: () =>
    new AppError(
      'unauthenticated',
      'INVALID_REFRESH_TOKEN',
      'The refresh token is not valid; log in again',
    ),
  refreshTokenReused: () =>
    new AppError(
      'unauthenticated',
      'REFRESH_TOKEN_REUSED',
      'This refresh token was already used; the login has been ended for safety',
    ),
  missingToken: () =>
    new AppError('unauthenticated', 'UNAUTHENTICATED', 'A bearer access token is required'),
  invalidToken: () =>
    new AppError('unauthenticated', 'INVALID_TOKEN', 'The access token is not valid'),
  expiredToken: () =>
    new AppError('unauthenticated', 'TOKEN_EXPIRED', 'The access token has expired; refresh it'),
  sessionEnded: () =>
    new AppError(
      'unauthenticated',
      'SESSION_ENDED',
      'This login has ended (logged out or disabled)',
    ),
  visitTokenOnly: () =>
    new AppError(
      'forbidden',
      'VISIT_TOKEN_ONLY',
      'This token is a visit guest’s: it opens that visit’s socket and nothing else',
    ),
  forbiddenRole: () => new AppError('forbidden', 'FORBIDDEN_ROLE', 'Your role may not do this'),
};
