/**
 * What kind of failure an error is, independent of transport. The HTTP filter maps a kind to a
 * status code; the WebSocket filter sends the code alone. Services never speak HTTP.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'unprocessable'
  | 'precondition_required'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable';

/** A failure a client can act on: a stable UPPER_SNAKE `code` from the contract plus a message. */
export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** The HTTP status of each kind, for the two places that answer over HTTP (REST, the socket upgrade). */
export const HTTP_STATUS_BY_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  precondition_required: 428,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
};

export const COMMON_ERRORS = {
  validation: (details: Record<string, unknown>) =>
    new AppError('invalid', 'VALIDATION_FAILED', 'The request is not valid', details),
};
