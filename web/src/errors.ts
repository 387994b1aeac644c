import { formatDayTime, formatDuration } from './time';

/** What each error code means to the person in front of the screen. */
const WORDS: Record<string, string> = {
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  TOO_MANY_LOGIN_ATTEMPTS: 'Too many sign-in attempts. Wait a few minutes and try again.',
  TOO_MANY_REGISTRATIONS: 'Too many accounts were created from here. Try again later.',
  EMAIL_TAKEN: 'An account with this email already exists. Sign in instead.',
  ACCOUNT_DISABLED: 'This account is disabled. Contact your clinic.',
  VALIDATION_FAILED: 'Some of what you entered is not valid. Check the fields and try again.',
  INVALID_REFRESH_TOKEN: 'You were signed out. Please sign in again.',
  REFRESH_TOKEN_REUSED: 'You were signed out for safety. Please sign in again.',
  SESSION_ENDED: 'You were signed out. Please sign in again.',
  TOKEN_EXPIRED: 'You were signed out. Please sign in again.',
  UNAUTHENTICATED: 'Please sign in again.',
  APPOINTMENT_CONFLICT: 'That time is already taken. Choose another time.',
  SLOT_UNAVAILABLE: 'That time is no longer free. Choose another time.',
  HOLD_NOT_FOUND: 'Your hold on that time ran out. Choose the time again.',
  APPOINTMENT_IN_PAST: 'That time has already passed. Choose a later time.',
  INVALID_TIME_RANGE: 'A visit lasts from 5 minutes to 4 hours and ends after it starts.',
  APPOINTMENT_NOT_FOUND: 'This visit does not exist or is not yours.',
  CLINICIAN_NOT_FOUND: 'This clinician is not available for booking.',
  BOOKING_NOT_ALLOWED: 'You cannot book this visit.',
  VERSION_CONFLICT: 'This visit was changed meanwhile. Look at it again and retry.',
  INVALID_TRANSITION: 'This visit can no longer be changed.',
  VISIT_CLOSED: 'This visit is over or was cancelled.',
  VISIT_OVER: 'The time of this visit has passed.',
  NOT_ADMITTED: 'You have not been let in yet.',
  NOT_IN_VISIT: 'You are not in this visit any more.',
  NO_PATIENT_WAITING: 'Nobody is waiting to be let in.',
  PEER_NOT_AVAILABLE: 'The other person is not connected.',
  VISIT_FULL: 'This visit is full: no one else can join it now.',
  PATIENT_NOT_ADMITTED: 'Let the patient in first, then the others.',
  VISIT_TOKEN_ONLY: 'A guest link opens the visit only.',
  CHAT_RATE_LIMITED: 'You are sending messages too fast. Wait a few seconds.',
  SERVICE_UNAVAILABLE: 'The service is busy or down for a moment. Try again shortly.',
  NETWORK: 'You seem to be offline. Check your connection and try again.',
  TIMEOUT: 'The service did not answer in time. Try again.',
  CONNECT_FAILED: 'Could not connect to the service. Check your connection.',
  DISCONNECTED: 'The connection dropped. Try again.',
  NotAllowedError: 'Camera or microphone access was refused. Allow it in the browser and retry.',
  NotFoundError: 'No camera or microphone was found.',
  NotReadableError: 'The camera or microphone is in use by another app.',
};

/** Plain words for an error from the API, the socket or the browser; never a code or a stack. */
export function plainWords(err: unknown): string {
  const { code, details, name } = (err ?? {}) as {
    code?: string;
    details?: unknown;
    name?: string;
  };
  if (code === 'VISIT_NOT_OPEN_YET') {
    const opensAt = (details as { opensAt?: string } | undefined)?.opensAt;
    return opensAt
      ? `This visit opens at ${formatDayTime(opensAt)} (in ${formatDuration(
          new Date(opensAt).getTime() - Date.now(),
        )}). Come back then.`
      : 'This visit cannot be joined yet.';
  }
  return (
    (code && WORDS[code]) ?? (name && WORDS[name]) ?? 'Something went wrong. Please try again.'
  );
}
