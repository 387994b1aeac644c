import type { ServerEvents, SessionJoinResult } from './protocol.js';
import type { ReconnectOptions } from './reconnect-backoff.js';
import type { TelevisitError } from './televisit-error.js';

export type { ReconnectOptions };

/** Called before every connection attempt, so a reconnect uses a fresh token. */
export type TokenProvider = () => Promise<string> | string;

/** The browser's WebSocket, or the `ws` package's class (which also takes headers). */
export type WebSocketClass = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => object;

export interface TelevisitSocketOptions {
  /** `wss://host/ws` (or `ws://` in development). */
  url: string;
  token: TokenProvider;
  /**
   * `query` (default) is the only way a browser can send it; Node clients should prefer `header`,
   * which keeps the token out of URLs and therefore out of proxies' access logs.
   */
  tokenIn?: 'query' | 'header';
  /** Extra upgrade headers; only WebSocket implementations that take them (`ws`) can send them. */
  headers?: Record<string, string>;
  WebSocket?: WebSocketClass;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  reconnect?: ReconnectOptions | false;
  /**
   * Frames held back while reconnecting (default 100); past this, sends are refused. Kept under
   * the server's burst allowance, since they all go out at once on reconnection.
   */
  maxQueuedFrames?: number;
}

export type SocketState =
  'idle' | 'connecting' | 'resuming' | 'open' | 'waiting-to-reconnect' | 'closed';

/** Events the client itself emits about its connection, beside the server's events. */
export interface SocketLifecycleEvents {
  state: SocketState;
  disconnected: { code: number; reason: string; willReconnect: boolean; delayMs?: number };
  /** A visit's seat was taken back after a reconnect; `result.resumed` false means it was not. */
  rejoined: { appointmentId: string; result: SessionJoinResult };
  /** The server refused to take a visit back (ended meanwhile, no longer allowed …). */
  'rejoin-failed': { appointmentId: string; error: TelevisitError };
  /** Connected again and every visit that could be rejoined was. */
  reconnected: { rejoined: string[]; failed: string[] };
}

export type SocketEvents = ServerEvents & SocketLifecycleEvents;

export interface RequestOptions {
  timeoutMs?: number;
}
