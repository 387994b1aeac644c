import { CloseCode } from './protocol.js';
import { reconnectDefaults, reconnectDelay, type ReconnectOptions } from './reconnect-backoff.js';
import type {
  SocketEvents,
  SocketState,
  TelevisitSocketOptions,
  TokenProvider,
  WebSocketClass,
} from './socket-options.js';
import { TelevisitError } from './televisit-error.js';
import { TypedEmitter } from './typed-emitter.js';
import { detach, upgradeRequest, type SocketLike } from './wire.js';

/**
 * Keeping one WebSocket up: the first connection, drops, backoff, reconnection, closing for
 * good. What travels over it (requests, visits taken back) is the subclass's, through the hooks
 * at the bottom; this class never reads a frame.
 */
export abstract class SocketConnection extends TypedEmitter<SocketEvents> {
  protected ws: SocketLike | null = null;
  private readonly url: string;
  private readonly token: TokenProvider;
  private readonly tokenIn: 'query' | 'header';
  private readonly headers: Record<string, string>;
  private readonly WebSocketImpl: WebSocketClass;
  private readonly connectTimeoutMs: number;
  private readonly reconnect: Required<ReconnectOptions> | false;
  private current: SocketState = 'idle';
  private firstConnect: { resolve: () => void; reject: (err: TelevisitError) => void } | null =
    null;
  private firstConnectPromise: Promise<void> | null = null;
  private attempt = 0;
  private openedAt = 0;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: TelevisitSocketOptions) {
    super();
    const impl = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
    if (!impl) {
      throw new TypeError('No WebSocket implementation: pass options.WebSocket (e.g. from "ws")');
    }
    this.url = options.url;
    this.token = options.token;
    this.tokenIn = options.tokenIn ?? 'query';
    this.headers = options.headers ?? {};
    this.WebSocketImpl = impl;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.reconnect = options.reconnect === false ? false : reconnectDefaults(options.reconnect);
  }

  get state(): SocketState {
    return this.current;
  }

  /**
   * Resolves once connected. If this first attempt fails (bad token, server down) it rejects with
   * CONNECT_FAILED and does not retry: automatic reconnection is for connections that worked.
   */
  connect(): Promise<void> {
    if (this.current === 'closed') {
      return Promise.reject(new TelevisitError('CLOSED', 'This socket was closed; make a new one'));
    }
    if (this.firstConnectPromise) {
      return this.firstConnectPromise;
    }
    if (this.current !== 'idle') {
      return Promise.resolve();
    }
    this.firstConnectPromise = new Promise<void>((resolve, reject) => {
      this.firstConnect = { resolve, reject };
    });
    void this.open();
    return this.firstConnectPromise;
  }

  /**
   * The network changed (a browser's `offline` or `online` event): a socket that looks open may
   * be dead, and a retry waiting out its backoff may work now. Drops the connection (if any)
   * and connects again at once; joined visits are taken back as after any drop.
   */
  reconnectNow(): void {
    if (this.current === 'idle' || this.current === 'closed' || this.firstConnect) {
      return;
    }
    if (this.ws) {
      this.restart(this.ws, 'network changed');
    }
    if (this.current === 'waiting-to-reconnect') {
      clearTimeout(this.reconnectTimer);
      void this.open();
    }
  }

  /** Closes for good: no reconnect, pending requests rejected with CLOSED. */
  close(): void {
    if (this.current === 'closed') {
      return;
    }
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      ws.close(CloseCode.normal, 'client closed');
    }
    this.shutdown(CloseCode.normal, 'client closed');
  }

  /** Drops this connection as if the network had, and connects again. */
  protected restart(ws: SocketLike, reason: string): void {
    detach(ws);
    ws.close();
    this.onClose(ws, 1006, reason);
  }

  protected setState(state: SocketState): void {
    if (state !== this.current) {
      this.current = state;
      this.emit('state', state);
    }
  }

  private async open(): Promise<void> {
    this.setState('connecting');
    let token: string;
    try {
      token = await this.token();
    } catch (err) {
      if (this.current === 'connecting') {
        this.attemptFailed(1006, 'token provider failed', { cause: err });
      }
      return;
    }
    if (this.current !== 'connecting') {
      return;
    }
    const { url, headers } = upgradeRequest(this.url, token, this.tokenIn, this.headers);
    const ws = (
      Object.keys(headers).length > 0
        ? new this.WebSocketImpl(url, undefined, { headers })
        : new this.WebSocketImpl(url)
    ) as SocketLike;
    this.ws = ws;
    // Browsers say nothing about why a socket failed; the `ws` package does (e.g. "Unexpected
    // server response: 401"), which is kept for CONNECT_FAILED's details.
    let lastError: string | undefined;
    ws.onopen = () => this.onOpen(ws);
    ws.onmessage = (event) => {
      if (ws === this.ws) {
        this.received(ws, event.data);
      }
    };
    ws.onerror = (event) => {
      lastError = event.message;
    };
    ws.onclose = (event) => this.onClose(ws, event.code, event.reason, lastError);
    this.connectTimer = setTimeout(() => {
      detach(ws);
      ws.close();
      this.onClose(ws, 1006, 'connect timeout', lastError);
    }, this.connectTimeoutMs);
  }

  private onOpen(ws: SocketLike): void {
    if (ws !== this.ws) {
      return;
    }
    clearTimeout(this.connectTimer);
    this.openedAt = Date.now();
    if (this.firstConnect) {
      const { resolve } = this.firstConnect;
      this.firstConnect = null;
      this.firstConnectPromise = null;
      this.setState('open');
      this.opened(ws, true);
      resolve();
      return;
    }
    this.setState('resuming');
    this.opened(ws, false);
  }

  private onClose(ws: SocketLike, code: number, reason: string, error?: string): void {
    if (ws !== this.ws) {
      return;
    }
    detach(ws);
    this.ws = null;
    clearTimeout(this.connectTimer);
    const lasted = this.openedAt ? Date.now() - this.openedAt : 0;
    this.openedAt = 0;
    this.dropped();
    if (!this.firstConnect && (code === CloseCode.accessRevoked || this.reconnect === false)) {
      this.shutdown(code, reason);
      return;
    }
    if (this.reconnect && lasted >= this.reconnect.stableAfterMs) {
      this.attempt = 0;
    }
    this.attemptFailed(code, reason, { code, reason, error });
  }

  /** A connection attempt failed or a live connection dropped: retry later, or give up. */
  private attemptFailed(code: number, reason: string, details: unknown): void {
    if (this.firstConnect) {
      const { reject } = this.firstConnect;
      this.firstConnect = null;
      this.firstConnectPromise = null;
      this.setState('idle');
      this.neverConnected(reason);
      reject(
        new TelevisitError('CONNECT_FAILED', `Could not connect to Televisit (${reason})`, details),
      );
      return;
    }
    if (this.reconnect === false) {
      this.shutdown(code, reason);
      return;
    }
    const delayMs = reconnectDelay(this.attempt++, code, this.reconnect);
    this.setState('waiting-to-reconnect');
    this.reconnectTimer = setTimeout(() => void this.open(), delayMs);
    this.emit('disconnected', { code, reason, willReconnect: true, delayMs });
  }

  private shutdown(code: number, reason: string): void {
    this.setState('closed');
    clearTimeout(this.connectTimer);
    clearTimeout(this.reconnectTimer);
    if (this.firstConnect) {
      this.firstConnect.reject(new TelevisitError('CLOSED', 'Closed before connecting'));
      this.firstConnect = null;
      this.firstConnectPromise = null;
    }
    this.closedForGood(code, reason);
    this.emit('disconnected', { code, reason, willReconnect: false });
  }

  /** Connected: state is `open` after a first connection, `resuming` after a reconnection. */
  protected abstract opened(ws: SocketLike, first: boolean): void;
  /** A frame arrived on the current connection. */
  protected abstract received(ws: SocketLike, raw: unknown): void;
  /** The connection is gone; whether it comes back is decided next. */
  protected abstract dropped(): void;
  /** The first attempt failed: nothing waiting will ever go out. */
  protected abstract neverConnected(reason: string): void;
  /** Closed for good (by us, by the server, or without reconnection). */
  protected abstract closedForGood(code: number, reason: string): void;
}
