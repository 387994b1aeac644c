import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server as HttpServer, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { INestApplicationContext, Logger } from '@nestjs/common';
import { AbstractWsAdapter, MessageMappingProperties } from '@nestjs/websockets';
import { lastValueFrom, Observable } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import type { RequestOrigin } from '../auth/caller';
import { JwtStrategy } from '../auth/jwt.strategy';
import { AppError, HTTP_STATUS_BY_KIND } from '../common/app-error';
import { requestIdOf } from '../common/logging';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseOutage } from '../database/database-outage';
import { ShutdownState } from '../health/shutdown-state';
import {
  attachConnection,
  CLOSE_POLICY,
  CLOSE_SERVICE_RESTART,
  Connection,
  connectionOf,
} from './connection';
import { ConnectionRegistry } from './connection-registry';
import { errorFrameData } from './ws-error.filter';
import { afterAckOf, bindFrameContext, FrameContext } from './frame-context';
import { DirectFrames, DirectHandler } from './direct-frames';
import { ClientFrame, parseFrame } from './frame';
import { SocketDirectory } from './socket-directory';
import { SocketMetrics } from './socket.metrics';

export const MAX_FRAME_BYTES = 64 * 1024;
/**
 * A heartbeat round pings this many sockets at a time, then waits PING_BATCH_GAP_MS: each ping
 * is a socket write and each pong a read (tens of µs each on a small box), so a round over
 * 20,000 sockets sent at once would come back as one burst of pongs and hold the loop for
 * about 100 ms. Spread out, it costs a few milliseconds at a time (20,000 sockets: 1 s a round).
 */
const PINGS_PER_BATCH = 100;
const PING_BATCH_GAP_MS = 5;

interface BoundHandler {
  handler: MessageMappingProperties;
  transform: (data: unknown) => Observable<unknown>;
}

/**
 * Plain WebSocket transport for the gateway, owning everything below the handlers: the HTTP
 * upgrade (authentication, Origin, per-user cap, draining), JSON frames with acks and error
 * frames, rate limiting, heartbeats, and closing with 1012 on shutdown.
 */
export class TelevisitWsAdapter extends AbstractWsAdapter {
  private readonly logger = new Logger('WebSocket');
  private readonly config: AppConfig;
  private readonly jwt: JwtStrategy;
  private readonly registry: ConnectionRegistry;
  private readonly directory: SocketDirectory;
  private readonly direct: DirectFrames;
  private readonly shutdown: ShutdownState;
  private readonly outage: DatabaseOutage;
  private readonly metrics: SocketMetrics;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly handlersByConnection = new WeakMap<Connection, Map<string, BoundHandler>>();

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get<AppConfig>(APP_CONFIG);
    this.jwt = app.get(JwtStrategy);
    this.registry = app.get(ConnectionRegistry);
    this.directory = app.get(SocketDirectory);
    this.direct = app.get(DirectFrames);
    this.shutdown = app.get(ShutdownState);
    this.outage = app.get(DatabaseOutage);
    this.metrics = app.get(SocketMetrics);
  }

  create(_port: number, options: { path?: string } = {}): WebSocketServer {
    const path = options.path ?? '/ws';
    const server = new WebSocketServer({
      noServer: true,
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
    });
    (this.httpServer as HttpServer).on(
      'upgrade',
      (request: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (pathOf(request) !== path) {
          socket.destroy();
          return;
        }
        void this.upgrade(server, request, socket, head);
      },
    );
    this.startHeartbeat(server);
    return server;
  }

  override bindClientConnect(
    server: WebSocketServer,
    callback: (ws: WebSocket, request: IncomingMessage) => void,
  ): void {
    server.on('connection', callback);
  }

  override bindClientDisconnect(client: WebSocket, callback: () => void): void {
    client.on('close', callback);
  }

  bindMessageHandlers(
    client: WebSocket,
    handlers: MessageMappingProperties[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    // Several gateways (visits, presence, notifications) share the one socket: their handlers
    // join one table, read by a single message listener.
    const connection = connectionOf(client);
    const known = this.handlersByConnection.get(connection);
    if (known) {
      handlers.forEach((handler) => known.set(String(handler.message), { handler, transform }));
      return;
    }
    const byEvent = new Map(
      handlers.map((handler) => [String(handler.message), { handler, transform }]),
    );
    this.handlersByConnection.set(connection, byEvent);
    client.on('message', (raw: Buffer, isBinary: boolean) => {
      this.onFrame(connection, raw, isBinary, byEvent);
    });
  }

  override async close(server: WebSocketServer): Promise<void> {
    clearInterval(this.heartbeat);
    for (const ws of server.clients) {
      connectionOf(ws).close(CLOSE_SERVICE_RESTART, 'server restarting');
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async upgrade(
    server: WebSocketServer,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    socket.on('error', () => socket.destroy());
    try {
      if (this.shutdown.draining) {
        throw new AppError(
          'unavailable',
          'SERVER_DRAINING',
          'This server is restarting; reconnect',
        );
      }
      this.checkOrigin(request);
      const caller = await this.jwt.authenticate(request, this.originOf(request), {
        allowQueryToken: true,
      });
      // Counted over every instance before the socket opens; refused over the cap.
      const claim = { id: randomUUID(), userId: caller.userId };
      await this.directory.claim(claim);
      let opened = false;
      const releaseUnopened = () => {
        if (!opened) {
          void this.directory.release(claim).catch(() => undefined);
        }
      };
      if (socket.destroyed) {
        releaseUnopened();
        return;
      }
      // ws may refuse the handshake itself (bad headers) without opening a socket.
      socket.once('close', releaseUnopened);
      server.handleUpgrade(request, socket, head, (ws) => {
        opened = true;
        const { maxFramesPerSecond, burst } = this.config.websocket;
        const connection = new Connection(
          ws,
          caller,
          this.config.websocket,
          this.registry.budgetFor(caller.userId, maxFramesPerSecond, burst),
          claim.id,
        );
        attachConnection(ws, connection);
        this.registry.add(connection);
        ws.on('pong', () => (connection.awaitingPong = false));
        ws.on('close', () => {
          this.registry.remove(connection);
          this.directory
            .release(connection)
            .catch((error: unknown) =>
              this.logger.warn({ err: error, userId: caller.userId }, 'Could not release a socket'),
            );
        });
        // A protocol error from the peer (a frame over maxPayload, bad UTF-8, …): ws closes the
        // socket itself (1009, 1007, …). Without a listener the 'error' event would throw and
        // take the whole process down.
        ws.on('error', (error: Error & { code?: string }) =>
          this.logger.debug({ code: error.code, userId: caller.userId }, 'Socket protocol error'),
        );
        server.emit('connection', ws, request);
      });
    } catch (thrown) {
      const error = this.outage.classify(thrown);
      if (!(error instanceof AppError)) {
        this.logger.error({ err: error }, 'Socket upgrade failed');
      }
      this.metrics.upgradeRefused(refuseUpgrade(socket, error));
    }
  }

  /** The client's address as Express would compute it with the same `trust proxy` hops. */
  private originOf(request: IncomingMessage): RequestOrigin {
    const forwarded = String(request.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const hops = this.config.trustProxyHops;
    const chain = [...forwarded, request.socket.remoteAddress ?? ''];
    const ip = chain[Math.max(chain.length - 1 - hops, 0)] || null;
    // Checked as REST checks it: a forged id must not reach the audit log raw.
    request.id ??= requestIdOf(request);
    return { ip, requestId: request.id };
  }

  /** Browsers always send Origin; native apps do not. Same-origin pages (the web app) are allowed. */
  private checkOrigin(request: IncomingMessage): void {
    const origin = request.headers.origin;
    if (origin === undefined) {
      return;
    }
    const sameOrigin = (() => {
      try {
        return new URL(origin).host === request.headers.host;
      } catch {
        return false;
      }
    })();
    if (!sameOrigin && !this.config.websocket.allowedOrigins.includes(origin)) {
      throw new AppError('forbidden', 'ORIGIN_NOT_ALLOWED', 'This origin may not open a socket');
    }
  }

  private onFrame(
    connection: Connection,
    raw: Buffer,
    isBinary: boolean,
    handlers: Map<string, BoundHandler>,
  ): void {
    const admission = connection.admitFrame();
    if (admission === 'abusive') {
      connection.close(CLOSE_POLICY, 'rate limit exceeded');
      return;
    }
    if (admission === 'refused') {
      // Still answer the frame's id, so a client waiting for its ack is not left hanging.
      const parsed = isBinary ? undefined : parseFrame(raw.toString('utf8'));
      connection.send('error', {
        id: parsed?.ok ? parsed.frame.id : parsed?.id,
        code: 'RATE_LIMITED',
        message: 'Too many frames; slow down',
      });
      return;
    }
    if (isBinary) {
      connection.send('error', { code: 'INVALID_FRAME', message: 'Frames are JSON text' });
      return;
    }
    const parsed = parseFrame(raw.toString('utf8'));
    if (!parsed.ok) {
      const { id, code, message, details } = parsed;
      connection.send('error', { id, code, message, details });
      return;
    }
    const { frame } = parsed;
    const direct = this.direct.handlerFor(frame.event);
    if (direct) {
      this.runDirect(connection, frame, direct);
      return;
    }
    const bound = handlers.get(frame.event);
    if (!bound) {
      connection.send('error', {
        id: frame.id,
        code: 'UNKNOWN_EVENT',
        message: `Unknown event "${frame.event}"`,
      });
      return;
    }
    void this.runBound(connection, frame, bound);
  }

  /** A direct handler: no pipeline, and no promise at all when it answers synchronously. */
  private runDirect(connection: Connection, frame: ClientFrame, handler: DirectHandler): void {
    const answer = (result: object) => {
      if (frame.id !== undefined) {
        connection.send('ack', { id: frame.id, ...result });
      }
      afterAckOf(result)?.();
    };
    const fail = (thrown: unknown) => {
      const error = this.outage.classify(thrown);
      if (!(error instanceof AppError)) {
        this.logger.error({ err: error, event: frame.event }, 'Socket handler failed');
      }
      connection.send('error', errorFrameData(error, frame.id));
    };
    try {
      const result = handler(connection, frame.data);
      if (result instanceof Promise) {
        result.then(answer, fail);
      } else {
        answer(result);
      }
    } catch (error) {
      fail(error);
    }
  }

  /** A gateway handler through Nest's pipeline (validation pipe, exception filter). */
  private async runBound(
    connection: Connection,
    frame: ClientFrame,
    bound: BoundHandler,
  ): Promise<void> {
    const context: FrameContext = { id: frame.id, failed: false };
    bindFrameContext(frame.data, context);
    try {
      const result = await lastValueFrom(
        bound.transform(await bound.handler.callback(frame.data, frame.event)),
        { defaultValue: undefined },
      );
      if (context.failed) {
        return;
      }
      if (frame.id !== undefined) {
        connection.send('ack', { id: frame.id, ...(result as object | undefined) });
      }
      afterAckOf(result)?.();
    } catch (error) {
      this.logger.error({ err: error, event: frame.event }, 'Socket handler failed');
      connection.send('error', errorFrameData(undefined, frame.id));
    }
  }

  /**
   * Pings every interval; a socket that has not answered the previous ping in time is dropped.
   * A round pings PINGS_PER_BATCH sockets at a time, so thousands of sockets never hold up
   * the frames of the others.
   */
  private startHeartbeat(server: WebSocketServer): void {
    const { pingIntervalMs, pongTimeoutMs } = this.config.websocket;
    let round = 0;
    this.heartbeat = setInterval(() => {
      round += 1;
      const thisRound = round;
      const pinged: Connection[] = [];
      const sockets = [...server.clients];
      const pingFrom = (start: number) => {
        for (const ws of sockets.slice(start, start + PINGS_PER_BATCH)) {
          const connection = connectionOf(ws);
          // A socket still owing a pong is not pinged again: the check of that ping decides.
          if (connection.awaitingPong || ws.readyState !== ws.OPEN) {
            continue;
          }
          connection.awaitingPong = true;
          connection.pingRound = thisRound;
          pinged.push(connection);
          ws.ping();
        }
        if (start + PINGS_PER_BATCH < sockets.length) {
          setTimeout(() => pingFrom(start + PINGS_PER_BATCH), PING_BATCH_GAP_MS).unref();
          return;
        }
        // Each check judges only its own round's pings, so a pong timeout longer than the
        // interval never cuts off a peer that answered a later ping in time.
        setTimeout(() => {
          for (const connection of pinged) {
            if (connection.awaitingPong && connection.pingRound === thisRound) {
              connection.ws.terminate();
            }
          }
        }, pongTimeoutMs).unref();
      };
      pingFrom(0);
    }, pingIntervalMs);
    this.heartbeat.unref();
  }
}

/** The request's path, or undefined for a target that is not a URL path (never throws). */
function pathOf(request: IncomingMessage): string | undefined {
  try {
    return new URL(request.url ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * Answers the upgrade request with a plain HTTP error; no socket is opened. Anything but a
 * refusal of ours (the database down, say) is a 503: a client must not take it for a bad token.
 * Returns the code the client was given.
 */
function refuseUpgrade(socket: Duplex, error: unknown): string {
  const appError =
    error instanceof AppError
      ? error
      : new AppError('unavailable', 'SERVICE_UNAVAILABLE', 'Try again shortly');
  const status = HTTP_STATUS_BY_KIND[appError.kind];
  const body = JSON.stringify({
    statusCode: status,
    code: appError.code,
    message: appError.message,
  });
  const retryAfter = appError.details.retryAfterSeconds;
  if (!socket.destroyed) {
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json\r\n' +
        (typeof retryAfter === 'number' ? `Retry-After: ${retryAfter}\r\n` : '') +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  return appError.code;
}
