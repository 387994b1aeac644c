import { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { INestApplicationContext } from '@nestjs/common';
import { AbstractWsAdapter, MessageMappingProperties } from '@nestjs/websockets';
import { Observable } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { JwtStrategy } from '../auth/jwt.strategy';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseOutage } from '../database/database-outage';
import { ShutdownState } from '../health/shutdown-state';
import { CLOSE_SERVICE_RESTART, Connection, connectionOf } from './connection';
import { ConnectionRegistry } from './connection-registry';
import { DirectFrames } from './direct-frames';
import { BoundHandler, FrameRouter } from './frame-router';
import { startHeartbeat } from './heartbeat';
import { SocketDirectory } from './socket-directory';
import { SocketMetrics } from './socket.metrics';
import { UpgradeGate } from './upgrade-gate';

export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Plain WebSocket transport for the gateways. It owns what lies below the handlers, each part
 * in its own file: the door (`UpgradeGate`: authentication, Origin, per-user cap, draining),
 * the frames (`FrameRouter`: rate limit, envelope, acks and error frames), the heartbeat, and
 * closing with 1012 on shutdown.
 */
export class TelevisitWsAdapter extends AbstractWsAdapter {
  private readonly config: AppConfig;
  private readonly gate: UpgradeGate;
  private readonly router: FrameRouter;
  private stopHeartbeat: () => void = () => undefined;
  private readonly handlersByConnection = new WeakMap<Connection, Map<string, BoundHandler>>();

  constructor(app: INestApplicationContext) {
    super(app);
    this.config = app.get<AppConfig>(APP_CONFIG);
    const outage = app.get(DatabaseOutage);
    this.gate = new UpgradeGate({
      config: this.config,
      jwt: app.get(JwtStrategy),
      registry: app.get(ConnectionRegistry),
      directory: app.get(SocketDirectory),
      shutdown: app.get(ShutdownState),
      outage,
      metrics: app.get(SocketMetrics),
    });
    this.router = new FrameRouter(app.get(DirectFrames), outage);
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
        void this.gate.upgrade(server, request, socket, head);
      },
    );
    this.stopHeartbeat = startHeartbeat(server, this.config.websocket);
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
      this.router.route(connection, raw, isBinary, byEvent);
    });
  }

  override async close(server: WebSocketServer): Promise<void> {
    this.stopHeartbeat();
    for (const ws of server.clients) {
      connectionOf(ws).close(CLOSE_SERVICE_RESTART, 'server restarting');
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
