import { request } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { createLogger, PinoLoggerService, requestLogging } from './logging';

/** A logger at `level` whose JSON lines land in `lines`. */
function capture(level: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ logLevel: level }, destination), lines };
}

describe('request logging', () => {
  async function serve(level: 'info' | 'warn') {
    const { logger, lines } = capture(level);
    const app = express();
    app.use(requestLogging(logger));
    app.get('/ok', (_request, response) => response.json({ ok: true }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, lines, close: () => new Promise((resolve) => server.close(resolve)) };
  }

  it('logs each answer once with its id, method, path and status, and no secrets', async () => {
    const { base, lines, close } = await serve('info');
    try {
      const ok = await fetch(`${base}/ok?access_token=secret-token`, {
        headers: { authorization: 'Bearer secret-token', 'x-request-id': 'req-1' },
      });
      const missing = await fetch(`${base}/nowhere`);
      await new Promise((resolve) => setImmediate(resolve));
      expect(ok.headers.get('x-request-id')).toBe('req-1');
      expect(lines).toEqual([
        expect.objectContaining({
          level: 30,
          msg: 'request completed',
          req: { id: 'req-1', method: 'GET', url: '/ok?access_token=[redacted]' },
          res: { statusCode: 200 },
          responseTime: expect.any(Number),
        }),
        expect.objectContaining({
          level: 30,
          req: expect.objectContaining({ id: missing.headers.get('x-request-id') }),
          res: { statusCode: 404 },
        }),
      ]);
      expect(JSON.stringify(lines)).not.toContain('secret-token');
    } finally {
      await close();
    }
  });

  it('logs a request the client gave up on as aborted, at warn', async () => {
    const { logger, lines } = capture('warn');
    const app = express();
    app.use(requestLogging(logger));
    let arrived = () => {};
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    app.get('/slow', () => arrived()); // never answers
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const client = request({ host: '127.0.0.1', port, path: '/slow' });
      client.on('error', () => undefined);
      client.end();
      await reached;
      client.destroy();
      for (let i = 0; i < 50 && lines.length === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(lines).toEqual([
        expect.objectContaining({
          level: 40,
          msg: 'request aborted',
          req: expect.objectContaining({ method: 'GET', url: '/slow' }),
        }),
      ]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('at warn, writes nothing for a success but still gives it an id', async () => {
    const { base, lines, close } = await serve('warn');
    try {
      const ok = await fetch(`${base}/ok`);
      await new Promise((resolve) => setImmediate(resolve));
      expect(ok.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines).toEqual([]);
    } finally {
      await close();
    }
  });
});

describe('PinoLoggerService (what Nest loggers write to)', () => {
  it('merges an object first, takes the next string as the message and the last as context', () => {
    const { logger, lines } = capture('info');
    const service = new PinoLoggerService(logger);
    service.warn({ err: new Error('lost'), userId: 'u1' }, 'Could not release a socket', 'Ws');
    service.log('Listening', undefined, 'Main');
    service.error('Unhandled', 'Error: boom\n    at x', 'Nest');
    service.debug('not at info');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        context: 'Ws',
        userId: 'u1',
        err: expect.objectContaining({ message: 'lost', type: 'Error' }),
        msg: 'Could not release a socket',
      }),
      expect.objectContaining({ level: 30, context: 'Main', msg: 'Listening' }),
      expect.objectContaining({
        level: 50,
        context: 'Nest',
        msg: 'Unhandled',
        stack: 'Error: boom\n    at x',
      }),
    ]);
  });

  it('never writes passwords or tokens', () => {
    const { logger, lines } = capture('info');
    new PinoLoggerService(logger).log(
      { body: { password: 'hunter2hunter2', refreshToken: 'r', accessToken: 'a' } },
      'oops',
    );
    expect(JSON.stringify(lines)).not.toMatch(/hunter2|"r"|"a"/);
    expect(lines[0]).toMatchObject({ body: { password: '[Redacted]' } });
  });
});

describe('errors in log lines', () => {
  const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g';
  const REASON = 'HIV test results, second opinion';

  /** What pg and TypeORM throw for a row a CHECK constraint refuses. */
  function checkViolation(): QueryFailedError {
    const driverError = Object.assign(
      new DatabaseError(
        'new row for relation "users" violates check constraint "users_display_name_check"',
        200,
        'error',
      ),
      {
        severity: 'ERROR',
        code: '23514',
        detail: `Failing row contains (7, x@y.test, ${HASH}, ${REASON}).`,
        where: `SQL statement "INSERT …" PL/pgSQL function f() line 3 at SQL statement ${REASON}`,
        schema: 'public',
        table: 'users',
        constraint: 'users_display_name_check',
        routine: 'ExecConstraints',
      },
    );
    return new QueryFailedError(
      'INSERT INTO users (email, password_hash, display_name) VALUES ($1, $2, $3)',
      ['x@y.test', HASH, REASON],
      driverError,
    );
  }

  it('keeps where a database error failed and drops the values it carries', () => {
    const { logger, lines } = capture('info');
    new PinoLoggerService(logger).error({ err: checkViolation(), requestId: 'r1' }, 'Unhandled');
    expect(lines[0]).toMatchObject({
      level: 50,
      requestId: 'r1',
      err: {
        type: 'QueryFailedError',
        message:
          'new row for relation "users" violates check constraint "users_display_name_check"',
        code: '23514',
        table: 'users',
        constraint: 'users_display_name_check',
        schema: 'public',
      },
    });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('$argon2');
    expect(text).not.toContain('HIV');
    expect(text).not.toContain('x@y.test');
    expect(text).not.toMatch(/parameters|driverError|detail|Failing row/);
  });

  it('drops the values Postgres quotes in a message and its stack, keeping the names', () => {
    const { logger, lines } = capture('info');
    const error = new QueryFailedError(
      'SELECT … WHERE id = $1',
      [REASON],
      Object.assign(
        new DatabaseError(`invalid input syntax for type uuid: "${REASON}"`, 1, 'error'),
        {
          severity: 'ERROR',
          code: '22P02',
          routine: 'string_to_uuid',
        },
      ),
    );
    logger.error({ err: error }, 'failed');
    const column = new QueryFailedError(
      'INSERT',
      [],
      Object.assign(
        new DatabaseError('null value in column "reason" of relation "appointments"', 1, 'error'),
        { severity: 'ERROR', code: '23502', routine: 'ExecConstraints' },
      ),
    );
    logger.error({ err: column }, 'failed');
    expect(lines[0]).toMatchObject({
      err: { code: '22P02', message: 'invalid input syntax for type uuid: "[redacted]"' },
    });
    expect((lines[0].err as { stack: string }).stack).toMatch(/^QueryFailedError: invalid input/);
    expect(lines[1]).toMatchObject({
      err: { message: 'null value in column "reason" of relation "appointments"' },
    });
    expect(JSON.stringify(lines)).not.toContain('HIV');
  });

  it('serializes an error however it is logged: under any key, as the message, as a cause', () => {
    const { logger, lines } = capture('info');
    const service = new PinoLoggerService(logger);
    service.error(checkViolation());
    service.warn({ error: checkViolation(), userId: 'u1' }, 'Could not do it');
    logger.error(new Error('wrapped', { cause: checkViolation() }));
    logger.error({ err: { parameters: [HASH] } }, 'a thrown object');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ err: { type: 'QueryFailedError', code: '23514' } });
    expect(lines[1]).toMatchObject({ error: { type: 'QueryFailedError' }, userId: 'u1' });
    expect(lines[2]).toMatchObject({
      err: { message: 'wrapped', cause: { type: 'QueryFailedError', table: 'users' } },
    });
    expect(lines[3]).toMatchObject({ err: { type: 'Object' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('$argon2');
    expect(text).not.toContain('HIV');
    expect(text).not.toContain('parameters');
  });

  it('keeps an ordinary error’s type, message, stack and code', () => {
    const { logger, lines } = capture('info');
    logger.warn({ err: Object.assign(new Error('refused'), { code: 'ECONNREFUSED', port: 5432 }) });
    expect(lines[0].err).toEqual({
      type: 'Error',
      message: 'refused',
      stack: expect.stringContaining('Error: refused'),
      code: 'ECONNREFUSED',
    });
  });
});
