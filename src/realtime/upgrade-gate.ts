import { randomUUID } from 'node:crypto';
import { IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Caller, RequestOrigin } from '../auth/caller';
import type { JwtStrategy } from '../auth/jwt.strategy';
import { AppError, HTTP_STATUS_BY_KIND } from '../common/app-error';
import { requestIdOf } from '../common/logging';
import type { AppConfig } from '../config/app-config';
import type { DatabaseOutage } from '../database/database-outage';
import type { ShutdownState } from '../health/shutdown-state';
import { attachConnection, Connection } from './connection';
import type { ConnectionRegistry } from './connection-registry';
import type { SocketDirectory } from './socket-directory';
import type { SocketMetrics } from './socket.metrics';

export interface UpgradeGateDeps {
  config: AppConfig;
  jwt: JwtStrategy;
  registry: ConnectionRegistry;
  directory: SocketDirectory;
  shutdown: ShutdownState;
  outage: DatabaseOutage;
  metrics: SocketMetrics;
}

/**
 * The door to `/ws`: a socket opens only for a caller with a live login, from an allowed
 * Origin, under the per-user cap counted over every instance, on a server that is not
 * draining. Anything else is answered as plain HTTP (401, 403, 429, 503) and no socket opens.
 */
export class UpgradeGate {
  private readonly logger = new Logger('WebSocket');

  constructor(private readonly deps: UpgradeGateDeps) {}

  async upgrade(
    server: WebSocketServer,
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
  ): Promise<void> {
    const { jwt, directory } = this.deps;
    socket.on('error', () => socket.destroy());
    try {
      if (this.deps.shutdown.draining) {
        throw new AppError(
          'unavailable',
          'SERVER_DRAINING',
          'This server is restarting; reconnect',
        );
      }
      this.checkOrigin(request);
      const caller = await jwt.authenticate(request, this.originOf(request), {
        allowQueryToken: true,
      });
      // Counted over every instance before the socket opens; refused over the cap.
      const claim = { id: randomUUID(), userId: caller.userId };
      await directory.claim(claim);
      let opened = false;
      const releaseUnopened = () => {
        if (!opened) {
          void directory.release(claim).catch(() => undefined);
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
        socket.off('close', releaseUnopened);
        this.open(ws, caller, claim.id);
        server.emit('connection', ws, request);
      });
    } catch (thrown) {
      const error = this.deps.outage.classify(thrown);
      if (!(error instanceof AppError)) {
        this.logger.error({ err: error }, 'Socket upgrade failed');
      }
      this.deps.metrics.upgradeRefused(refuseUpgrade(socket, error));
    }
  }

  /**
   * Wires an opened socket to its Connection. Kept apart from the upgrade so that the socket's
   * listeners hold only what they use, not the upgrade request.
   */
  private open(ws: WebSocket, caller: Caller, claimId: string): void {
    const { config, registry, directory } = this.deps;
    const { maxFramesPerSecond, burst } = config.websocket;
    const connection = new Connection(
      ws,
      caller,
      config.websocket,
      registry.budgetFor(caller.userId, maxFramesPerSecond, burst),
      claimId,
    );
    attachConnection(ws, connection);
    registry.add(connection);
    ws.on('pong', () => (connection.awaitingPong = false));
    ws.on('close', () => {
      registry.remove(connection);
      directory
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
  }

  /** The client's address as Express would compute it with the same `trust proxy` hops. */
  private originOf(request: IncomingMessage): RequestOrigin {
    const forwarded = String(request.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const hops = this.deps.config.trustProxyHops;
    const chain = [...forwarded, request.socket.remoteAddress ?? ''];
    const ip = chain[Math.max(chain.length - 1 - hops, 0)] || null;
    // Checked as REST checks it: a forged id must not reach the audit log raw.
    request.id ??= requestIdOf(request);
    return { ip, requestId: request.id };
  }

  /** Browsers always send Origin; native apps do not. Same-origin pages (the app) are allowed. */
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
    if (!sameOrigin && !this.deps.config.websocket.allowedOrigins.includes(origin)) {
      throw new AppError('forbidden', 'ORIGIN_NOT_ALLOWED', 'This origin may not open a socket');
    }
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
