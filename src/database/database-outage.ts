import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { isDatabaseUnavailable } from './database-unavailable';

/** How soon a client is told to try again: a restart or failover takes seconds, not less. */
export const RETRY_AFTER_SECONDS = 5;
/** While the database is away, it is tried this often so its return is noticed (and logged). */
const PROBE_EVERY_MS = 1_000;

export const databaseUnavailable = () =>
  new AppError(
    'unavailable',
    'SERVICE_UNAVAILABLE',
    'The service cannot reach its database; try again shortly',
    {
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    },
  );

/**
 * Turns a failure to reach the database into the error a client should see (503, or an `error`
 * frame `SERVICE_UNAVAILABLE`), and logs an outage twice: once when it starts, once when the
 * database answers again. Not once per request: an outage under load is thousands of them.
 */
@Injectable()
export class DatabaseOutage implements OnModuleDestroy {
  private readonly logger = new Logger('Database');
  private since: number | undefined;
  private probe: NodeJS.Timeout | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether an outage is known to be going on. */
  get down(): boolean {
    return this.since !== undefined;
  }

  /** The error as a client must see it: unavailability becomes SERVICE_UNAVAILABLE. */
  classify(error: unknown): unknown {
    return this.report(error) ? databaseUnavailable() : error;
  }

  /**
   * Whether `error` is the database's unavailability (then the outage is noted); for work
   * nobody waits on (heartbeats, sweeps), so an outage is seen without any request.
   */
  report(error: unknown): boolean {
    if (error instanceof AppError || !isDatabaseUnavailable(error)) {
      return false;
    }
    this.noticed(error);
    return true;
  }

  onModuleDestroy(): void {
    clearInterval(this.probe);
  }

  private noticed(error: unknown): void {
    if (this.since !== undefined) {
      return;
    }
    this.since = Date.now();
    // The code only: a driver error's message and detail may quote the statement's values.
    this.logger.warn({ code: codeOf(error) }, 'The database is unavailable');
    let probing = false;
    this.probe = setInterval(() => {
      if (probing) {
        return;
      }
      probing = true;
      this.dataSource
        .query('SELECT 1')
        .then(() => this.recovered())
        .catch(() => undefined)
        .finally(() => (probing = false));
    }, PROBE_EVERY_MS);
    this.probe.unref();
  }

  private recovered(): void {
    if (this.since === undefined) {
      return;
    }
    clearInterval(this.probe);
    this.logger.warn({ downForMs: Date.now() - this.since }, 'The database is reachable again');
    this.since = undefined;
  }
}

function codeOf(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}
