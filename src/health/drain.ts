import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { CLOSE_SERVICE_RESTART } from '../realtime/connection';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { ShutdownState } from './shutdown-state';

/**
 * First half of a graceful stop: readiness turns 503 (the load balancer stops routing here), new
 * sockets are refused with 503, and open sockets are closed with 1012 so clients reconnect to
 * another instance. HTTP requests are still served.
 */
export function beginDrain(app: INestApplication): void {
  app.get(ShutdownState).draining = true;
  for (const connection of app.get(ConnectionRegistry).all()) {
    connection.close(CLOSE_SERVICE_RESTART, 'server restarting');
  }
}

/**
 * Second half: stop accepting connections, let in-flight requests finish (at most `timeoutMs`),
 * then close the application (database pool, timers, listeners).
 */
export async function finishDrain(app: INestApplication, timeoutMs: number): Promise<void> {
  const server = app.getHttpServer() as Server;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
  server.closeAllConnections();
  await app.close();
}
