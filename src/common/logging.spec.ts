import { request } from 'node:http';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
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
