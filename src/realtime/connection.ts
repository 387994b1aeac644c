import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Caller } from '../auth/caller';

import type { FrameBudget } from './frame-budget';

export interface ConnectionLimits {
  maxBufferedBytes: number;
}

/** Close codes clients act on (see docs/asyncapi.yaml). */
export const CLOSE_POLICY = 1008;
export const CLOSE_SERVICE_RESTART = 1012;
export const CLOSE_ACCESS_REVOKED = 4001;

/**
 * One client device's socket and who is behind it. Sending goes through here so that a client
 * that stops reading is cut off instead of piling up memory on the server.
 */
export class Connection {
  /** Set when a ping is sent, cleared by the pong. */
  awaitingPong = false;
  /** The heartbeat round of the last ping sent. */
  pingRound = 0;
  private refusedInARow = 0;

  constructor(
    readonly ws: WebSocket,
    readonly caller: Caller,
    private readonly limits: ConnectionLimits,
    /** The user's frame budget on this instance, shared with their other sockets here. */
    private readonly budget: FrameBudget,
    /** Also the socket's row in the `sockets` table. */
    readonly id: string = randomUUID(),
  ) {}

  get userId(): string {
    return this.caller.userId;
  }

  get isOpen(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  send(event: string, data: object): boolean {
    return this.sendText(JSON.stringify({ event, data }));
  }

  /** Sends an already serialised frame (so a relay serialises once, not once per recipient). */
  sendText(text: string): boolean {
    if (!this.isOpen) {
      return false;
    }
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) {
      this.ws.terminate();
      return false;
    }
    this.ws.send(text);
    return true;
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason);
    }
  }

  /**
   * Takes a frame from the user's budget. Returns 'ok', 'refused', or 'abusive' once this
   * socket has had a whole burst's worth of frames in a row refused.
   */
  admitFrame(now = Date.now()): 'ok' | 'refused' | 'abusive' {
    if (this.budget.take(now)) {
      this.refusedInARow = 0;
      return 'ok';
    }
    this.refusedInARow += 1;
    return this.refusedInARow > this.budget.burst ? 'abusive' : 'refused';
  }
}

const CONNECTION = Symbol('televisit.connection');

export function attachConnection(ws: WebSocket, connection: Connection): void {
  (ws as unknown as Record<symbol, Connection>)[CONNECTION] = connection;
}

export function connectionOf(ws: WebSocket): Connection {
  const connection = (ws as unknown as Record<symbol, Connection | undefined>)[CONNECTION];
  if (!connection) {
    throw new Error('Socket without a connection: it did not come through the upgrade handler');
  }
  return connection;
}
