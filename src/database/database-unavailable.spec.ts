import { isDatabaseUnavailable } from './database-unavailable';

/** An error shaped as pg raises it: a message and, from the server, a SQLSTATE `code`. */
function pgError(message: string, code?: string): Error {
  return Object.assign(new Error(message), code ? { code } : {});
}

/** As TypeORM wraps it. */
function queryFailed(driverError: Error): Error {
  return Object.assign(new Error(driverError.message), {
    name: 'QueryFailedError',
    driverError,
  });
}

describe('isDatabaseUnavailable', () => {
  it.each([
    ['connection refused', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', pgError('read ECONNRESET', 'ECONNRESET')],
    ['pool acquire timeout', pgError('timeout exceeded when trying to connect')],
    ['connection cut mid-query', pgError('Connection terminated unexpectedly')],
    ['connect timeout', pgError('Connection terminated due to connection timeout')],
    ['client-side query timeout', pgError('Query read timeout')],
    [
      'statement_timeout',
      queryFailed(pgError('canceling statement due to statement timeout', '57014')),
    ],
    ['lock_timeout', queryFailed(pgError('canceling statement due to lock timeout', '55P03'))],
    ['too many clients', pgError('sorry, too many clients already', '53300')],
    [
      'server shutting down',
      queryFailed(pgError('terminating connection due to administrator command', '57P01')),
    ],
    ['server starting', pgError('the database system is starting up', '57P03')],
    ['a connection exception', pgError('connection failure', '08006')],
  ])('%s is unavailability', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', queryFailed(pgError('duplicate key value', '23505'))],
    ['an exclusion violation', queryFailed(pgError('conflicting key value', '23P01'))],
    ['a syntax error', queryFailed(pgError('syntax error at or near', '42601'))],
    ['a deadlock', queryFailed(pgError('deadlock detected', '40P01'))],
    ['a bug of ours', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an error', 'ECONNREFUSED'],
    ['nothing', undefined],
  ])('%s is not', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
