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
 * tokens), no bodies (they hold passwords and clinical reasons), no query tokens.
 */
export function createLogger(
  config: Pick<AppConfig, 'logLevel'>,
  destination: DestinationStream = pino.destination(1),
): Pino {
  return pino(
    {
      level: config.logLevel,
      serializers: { err: pino.stdSerializers.err },
      redact: ['*.password', '*.accessToken', '*.refreshToken', '*.authorization'],
    },
    destination,
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

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) {
      return;
    }
    const rest = params.filter((param) => param !== undefined);
    const context =
      rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? rest.pop() : undefined;
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
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

export function withoutSecrets(url: string): string {
  return url.replace(/([?&](?:access_token|token)=)[^&]*/gi, '$1[redacted]');
}
