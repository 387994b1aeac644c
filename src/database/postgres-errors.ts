/** Postgres SQLSTATE codes we turn into domain errors. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_EXCLUSION_VIOLATION = '23P01';
export const PG_FOREIGN_KEY_VIOLATION = '23503';

interface PgError {
  code: string;
  constraint?: string;
}

/** True when `error` is a Postgres error with this SQLSTATE (optionally on this constraint). */
export function isPgError(error: unknown, code: string, constraint?: string): error is PgError {
  const candidate = (error as { driverError?: unknown })?.driverError ?? error;
  if (typeof candidate !== 'object' || candidate === null) {
    return false;
  }
  const pg = candidate as Partial<PgError>;
  return pg.code === code && (constraint === undefined || pg.constraint === constraint);
}

export function constraintOf(error: unknown): string | undefined {
  const candidate = (error as { driverError?: unknown })?.driverError ?? error;
  return (candidate as Partial<PgError> | undefined)?.constraint;
}
