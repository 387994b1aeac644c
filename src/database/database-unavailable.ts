/**
 * Whether an error means the database could not be used at all (down, restarting, frozen,
 * out of connections, too slow), as opposed to refusing this statement. Such a failure is the
 * client's to retry (503), never a bug of ours (500).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; isObject(cause) && depth < 4; depth += 1) {
    if (typeof cause.code === 'string' && UNAVAILABLE_CODES.test(cause.code)) {
      return true;
    }
    if (typeof cause.message === 'string' && UNAVAILABLE_MESSAGES.test(cause.message)) {
      return true;
    }
    // TypeORM keeps pg's error as `driverError`; Node's own errors may chain a `cause`.
    cause = cause.driverError ?? cause.cause;
  }
  return false;
}

/**
 * SQLSTATEs and socket errors that say nothing about the statement: class 08 (connection
 * exceptions), 53 (insufficient resources: too many clients), 57P01–57P03 (shut down, crashed,
 * still starting), 57014 (cancelled by statement_timeout), 55P03 (lock_timeout), 25P03
 * (idle-in-transaction timeout), and the network's refusals and resets.
 */
const UNAVAILABLE_CODES =
  /^(08...|53...|57P0[123]|57014|55P03|25P03|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/;

/** What pg and pg-pool say when the connection, not the statement, failed (they set no code). */
const UNAVAILABLE_MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|Client was closed and is not queryable|Cannot use a pool after calling end)/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
