import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LoggerService } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import pino, { type DestinationStream, type Level, type Logger as Pino } from 'pino';
import type { AppConfig } from '../config/app-config';

declare module 'http' {
  interface IncomingMessage {
    /** This request's id (the client's X-Request-Id when sane), set first thing. */
    id?: string;
  }
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Structured JSON logs. Requests are logged by method, path and id only: no headers (they hold
 * tokens), no bodies (they hold passwords and clinical reasons), no query tokens. Errors are
 * logged by an allow-list (`serializeError`), wherever in the line they are.
 */
export function createLogger(
  config: Pick<AppConfig, 'logLevel'>,
  destination: DestinationStream = pino.destination(1),
): Pino {
  return pino(
    {
      level: config.logLevel,
      serializers: { err: serializeError },
      formatters: { log: withErrorsSerialized },
      // A second line of defence, for objects that are not errors.
      redact: [
        'parameters',
        'driverError',
        '*.password',
        '*.passwordHash',
        '*.accessToken',
        '*.refreshToken',
        '*.token',
        '*.authorization',
        '*.parameters',
        '*.driverError',
      ],
    },
    destination,
  );
}

/** What a database error may say about itself: where it failed, never with what values. */
const DATABASE_ERROR_FIELDS = [
  'code',
  'severity',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'routine',
] as const;
const MAX_CAUSES = 3;

/**
 * An error as a log line may carry it: its type, message, stack and code, and for a database
 * error where it failed. Never its other properties: TypeORM's QueryFailedError carries the
 * query's `parameters` (password hashes, clinical reasons) and the driver's error, whose
 * `detail` and `where` quote the row ("Failing row contains (…)", "Key (email)=(…)"). Values
 * Postgres quotes in its message (`invalid input syntax for type uuid: "…"`) are cut too.
 */
export function serializeError(error: unknown, depth = 0): Record<string, unknown> {
  if (!(error instanceof Error)) {
    return {
      type: typeof error === 'object' && error !== null ? error.constructor?.name : typeof error,
    };
  }
  const database = databaseErrorOf(error);
  const clean = database ? withoutQuotedValues : (text: string) => text;
  const serialized: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name,
    message: clean(error.message),
    stack: error.stack === undefined ? undefined : clean(error.stack),
  };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') {
    serialized.code = code;
  }
  if (database) {
    for (const field of DATABASE_ERROR_FIELDS) {
      if (typeof database[field] === 'string') {
        serialized[field] = database[field];
      }
    }
  }
  if (error.cause !== undefined && depth < MAX_CAUSES) {
    serialized.cause = serializeError(error.cause, depth + 1);
  }
  return serialized;
}

/** An Error under any other key of a line goes through `serializeError` too (`err` does later). */
function withErrorsSerialized(object: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(object)) {
    if (key !== 'err' && value instanceof Error) {
      object[key] = serializeError(value);
    }
  }
  return object;
}

/** The driver's error behind a TypeORM error, or a driver error itself (Postgres's fields). */
function databaseErrorOf(error: Error): Record<string, unknown> | undefined {
  const driverError = (error as { driverError?: unknown }).driverError;
  if (typeof driverError === 'object' && driverError !== null) {
    return driverError as Record<string, unknown>;
  }
  const fields = error as unknown as Record<string, unknown>;
  const isDriverError =
    typeof fields.severity === 'string' && typeof fields.code === 'string' && 'routine' in fields;
  return isDriverError || error.name === 'QueryFailedError' ? fields : undefined;
}

/**
 * Postgres quotes names after the kind of thing they name (`relation "users"`, `constraint
 * "x"`) and values anywhere else (`for type uuid: "abc"`, `value "…" is out of range`).
 */
const QUOTED =
  /(\b(?:relation|constraint|column|table|index|type|function|schema|database|role|sequence|trigger|view|operator|extension|enum|domain) )?"(?:[^"]|"")*"/g;

function withoutQuotedValues(text: string): string {
  return text.replace(QUOTED, (quoted, name: string | undefined) =>
    name ? quoted : '"[redacted]"',
  );
}

/**
 * Gives every request its id (echoed as X-Request-Id) and logs one line when it is answered:
 * error for a failure of ours (5xx), warn when the client went away before the answer, info
 * for everything else, a client's mistakes (4xx) and a 503 included: a 4xx is not the
 * service's problem, and an outage is logged once on its own (DatabaseOutage), not once per
 * request refused during it. The line is only built when its level is on.
 *
 * No per-request logger is kept in async context: on Node 20 an AsyncLocalStorage turns on
 * promise hooks for the whole process, which cost about 13% of a request's CPU (and slow every
 * relayed frame). Service logs name the ids they are about instead.
 */
export function requestLogging(logger: Pino) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const started = performance.now();
    request.id = assignRequestId(request, response);
    // 'close' comes after 'finish', or alone when the client went away before the answer.
    response.once('close', () => {
      const { statusCode } = response;
      const completed = response.writableFinished;
      const level: Level =
        statusCode >= 500 && statusCode !== 503 ? 'error' : completed ? 'info' : 'warn';
      if (logger.isLevelEnabled(level)) {
        logger[level](
          {
            req: {
              id: request.id,
              method: request.method,
              url: withoutSecrets(request.originalUrl),
            },
            res: { statusCode },
            responseTime: Math.round(performance.now() - started),
          },
          completed ? 'request completed' : 'request aborted',
        );
      }
    });
    next();
  };
}

/**
 * Nest's own start-up narration (each module initialised, each route and message mapped):
 * debug, not info, so a start is one line (see main.ts) an operator can read.
 */
const FRAMEWORK_CHATTER = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'WebSocketsController',
  'NestApplication',
]);

/**
 * Nest's logger (what `new Logger(Context)` writes to) on pino; Nest's `log` is pino's info and
 * `verbose` its trace. Nest passes the context last; an object first is merged into the line,
 * with the next string as its message.
 */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Pino) {}

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  private write(asked: Level, message: unknown, params: unknown[]): void {
    const rest = params.filter((param) => param !== undefined);
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
    const level = asked === 'info' && FRAMEWORK_CHATTER.has(context as string) ? 'debug' : asked;
    if (!this.logger.isLevelEnabled(level)) {
      return;
    }
    const text = typeof rest[0] === 'string' ? (rest.shift() as string) : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, text ?? message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...message }, text);
    } else {
      // Nest's own errors come as (message, stack, context).
      this.logger[level]({ context, ...(text ? { stack: text } : {}) }, String(message));
    }
  }
}

/** The client's X-Request-Id when it is a sane one, else a new id; echoed on the response. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const id = requestIdOf(request);
  response.setHeader('X-Request-Id', id);
  return id;
}

/** The client's X-Request-Id when it is a sane one, else a new id (REST and socket upgrades). */
export function requestIdOf(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export function withoutSecrets(url: string): string {
  return url.replace(/([?&](?:access_token|token)=)[^&]*/gi, '$1[redacted]');
}
