import type { WebSocketServer } from 'ws';
import { Connection, connectionOf } from './connection';

/**
 * A heartbeat round pings this many sockets at a time, then waits PING_BATCH_GAP_MS: each ping
 * is a socket write and each pong a read (tens of µs each on a small box), so a round over
 * 20,000 sockets sent at once would come back as one burst of pongs and hold the loop for
 * about 100 ms. Spread out, it costs a few milliseconds at a time (20,000 sockets: 1 s a round).
 */
const PINGS_PER_BATCH = 100;
const PING_BATCH_GAP_MS = 5;

/**
 * Pings every socket each interval; a socket that has not answered its ping within the pong
 * timeout is dropped. Answers a function that stops it.
 */
export function startHeartbeat(
  server: WebSocketServer,
  { pingIntervalMs, pongTimeoutMs }: { pingIntervalMs: number; pongTimeoutMs: number },
): () => void {
  let round = 0;
  const timer = setInterval(() => {
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
  timer.unref();
  return () => clearInterval(timer);
}
