import {
  CloseCode,
  type ChatMessage,
  type ClientFrame,
  type CommandData,
  type CommandName,
  type CommandResult,
  type ServerEvents,
  type SessionJoinResult,
  type UntypedResult,
} from './protocol.js';
import { TelevisitError } from './televisit-error.js';
import { TypedEmitter } from './typed-emitter.js';

/** Called before every connection attempt, so a reconnect uses a fresh token. */
export type TokenProvider = () => Promise<string> | string;

/** The browser's WebSocket, or the `ws` package's class (which also takes headers). */
export type WebSocketClass = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => object;

export interface ReconnectOptions {
  /** Delay cap of the first retry; it doubles with every failed attempt. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Floor after a 1008 close: a client the server refuses must not retry in a tight loop. */
  policyViolationDelayMs?: number;
  /** A connection that stayed up this long resets the backoff. */
  stableAfterMs?: number;
}

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

/** The members used here, which the browser's WebSocket and the `ws` package's both have. */
interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
}

interface Pending {
  frame: ClientFrame;
  timer: ReturnType<typeof setTimeout>;
  sent: boolean;
  succeed(result: UntypedResult): void;
  fail(error: TelevisitError): void;
}

/** The server refuses bigger frames by closing the socket; better to refuse them here. */
const MAX_FRAME_BYTES = 64 * 1024;
/** After a 1012 every client of that instance reconnects at once: spread them over this. */
const RESTART_SPREAD_MS = 3000;

/**
 * One WebSocket to Televisit per device: typed requests with acks, typed server events,
 * reconnection with backoff, and taking joined visits back after a drop (the server holds a seat
 * for 30 s).
 */
export class TelevisitSocket extends TypedEmitter<SocketEvents> {
  private readonly url: string;
  private readonly token: TokenProvider;
  private readonly tokenIn: 'query' | 'header';
  private readonly headers: Record<string, string>;
  private readonly WebSocketImpl: WebSocketClass;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly reconnect: Required<ReconnectOptions> | false;
  private readonly maxQueuedFrames: number;

  private ws: SocketLike | null = null;
  private current: SocketState = 'idle';
  private firstConnect: { resolve: () => void; reject: (err: TelevisitError) => void } | null =
    null;
  private firstConnectPromise: Promise<void> | null = null;
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  /** Frames sent while not connected, with the id of their pending request if any. */
  private outbox: Array<{ frame: ClientFrame; id?: string }> = [];
  private readonly joined = new Set<string>();
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
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.maxQueuedFrames = options.maxQueuedFrames ?? 100;
    this.reconnect =
      options.reconnect === false
        ? false
        : {
            initialDelayMs: 500,
            maxDelayMs: 30_000,
            policyViolationDelayMs: 15_000,
            stableAfterMs: 10_000,
            ...options.reconnect,
          };
  }

  get state(): SocketState {
    return this.current;
  }

  /** Visits this socket will take back after a reconnect. */
  get joinedVisits(): string[] {
    return [...this.joined];
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
   * Sends a command and resolves with its ack's data. Rejects with a TelevisitError whose `code`
   * is the server's (from an error frame) or the client's (TIMEOUT, DISCONNECTED, …). While
   * reconnecting, the frame waits and goes out once the socket is back (if still in time).
   */
  request<C extends CommandName>(
    event: C,
    data: CommandData<C>,
    options: RequestOptions = {},
  ): Promise<CommandResult<C>> {
    return new Promise<CommandResult<C>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      // The ack's shape is the server's promise; it is not re-validated here.
      this.call({ event, data }, timeoutMs, false, { succeed: resolve, fail: reject });
    });
  }

  /**
   * Sends a command without waiting for an answer (signals: trickled ICE candidates would each
   * cost an ack). Returns false when it could not be sent nor queued. Errors the server has about
   * it arrive as `error` events.
   */
  send<C extends CommandName>(event: C, data: CommandData<C>): boolean {
    const frame = { event, data } as ClientFrame;
    this.noteCommand(frame);
    if (this.current === 'open' && this.ws) {
      return this.transmit(this.ws, frame) === null;
    }
    if (this.current === 'idle' || this.current === 'closed') {
      return false;
    }
    if (this.outbox.length >= this.maxQueuedFrames) {
      return false;
    }
    this.outbox.push({ frame });
    return true;
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
    const ws = this.ws;
    if (ws) {
      detach(ws);
      ws.close();
      this.onClose(ws, 1006, 'network changed');
    }
    if (this.current === 'waiting-to-reconnect') {
      clearTimeout(this.reconnectTimer);
      void this.open();
    }
  }

  /**
   * Sends a chat message in a visit (PRODUCT §9) and resolves with its {messageId, seq, sentAt}.
   * The clientMessageId is made here unless given: sending again with the same one (say, after
   * a TIMEOUT) never posts the message twice.
   */
  sendChat(
    appointmentId: string,
    text: string,
    clientMessageId: string = crypto.randomUUID(),
  ): Promise<CommandResult<'chat.send'>> {
    return this.request('chat.send', { appointmentId, clientMessageId, text });
  }

  /** The visit's chat after `after` (the seq of the last message held), oldest first. */
  async chatHistory(appointmentId: string, after?: number): Promise<ChatMessage[]> {
    const data = after === undefined ? { appointmentId } : { appointmentId, after };
    return (await this.request('chat.history', data)).items;
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

  private call(
    frame: ClientFrame,
    timeoutMs: number,
    direct: boolean,
    settle: Pick<Pending, 'succeed' | 'fail'>,
  ): void {
    if (this.current === 'closed' || this.current === 'idle') {
      const code = this.current === 'closed' ? 'CLOSED' : 'NOT_CONNECTED';
      settle.fail(new TelevisitError(code, `Cannot send ${frame.event}: the socket is ${code}`));
      return;
    }
    const id = String(++this.seq);
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.outbox = this.outbox.filter((queued) => queued.id !== id);
      settle.fail(new TelevisitError('TIMEOUT', `No answer to ${frame.event} in ${timeoutMs} ms`));
    }, timeoutMs);
    const pending: Pending = { frame, timer, sent: false, ...settle };
    this.noteCommand(frame);
    const ws = this.ws;
    if (ws && (direct || this.current === 'open')) {
      const error = this.transmit(ws, { ...frame, id });
      if (error) {
        clearTimeout(timer);
        settle.fail(error);
        return;
      }
      pending.sent = true;
    } else if (this.outbox.length >= this.maxQueuedFrames) {
      clearTimeout(timer);
      settle.fail(new TelevisitError('QUEUE_FULL', 'Too many frames waiting for the connection'));
      return;
    } else {
      this.outbox.push({ frame, id });
    }
    this.pending.set(id, pending);
  }

  private transmit(ws: SocketLike, frame: ClientFrame): TelevisitError | null {
    const text = JSON.stringify(frame);
    if (new TextEncoder().encode(text).length > MAX_FRAME_BYTES) {
      return new TelevisitError('FRAME_TOO_LARGE', `${frame.event} frame is over 64 KiB`);
    }
    ws.send(text);
    return null;
  }

  /** Leaving or ending a visit means it must not be rejoined, even if the ack never arrives. */
  private noteCommand(frame: ClientFrame): void {
    if (frame.event === 'session.leave' || frame.event === 'session.end') {
      this.joined.delete((frame.data as { appointmentId: string }).appointmentId);
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
    const url = new URL(this.url);
    const headers = { ...this.headers };
    if (this.tokenIn === 'header') {
      headers.Authorization = `Bearer ${token}`;
    } else {
      url.searchParams.set('access_token', token);
    }
    const ws = (
      Object.keys(headers).length > 0
        ? new this.WebSocketImpl(url.toString(), undefined, { headers })
        : new this.WebSocketImpl(url.toString())
    ) as SocketLike;
    this.ws = ws;
    // Browsers say nothing about why a socket failed; the `ws` package does (e.g. "Unexpected
    // server response: 401"), which is kept for CONNECT_FAILED's details.
    let lastError: string | undefined;
    ws.onopen = () => this.onOpen(ws);
    ws.onmessage = (event) => this.onMessage(ws, event.data);
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
      this.flushOutbox(ws, null);
      resolve();
      return;
    }
    this.setState('resuming');
    void this.resume(ws);
  }

  /**
   * Rejoins every visit, waits for all answers, then lets queued frames out: the server relays a
   * signal only to a participant it has seated again.
   */
  private async resume(ws: SocketLike): Promise<void> {
    const outcomes = await Promise.all(this.joinedVisits.map((id) => this.rejoin(ws, id)));
    if (ws !== this.ws) {
      return;
    }
    if (outcomes.some((o) => o.outcome === 'retry')) {
      // A join that got no answer leaves the visit's state unknown: start over on a new socket.
      detach(ws);
      ws.close();
      this.onClose(ws, 1006, 'resume timed out');
      return;
    }
    const resumed = new Set(outcomes.filter((o) => o.outcome === 'resumed').map((o) => o.id));
    this.flushOutbox(ws, resumed);
    this.setState('open');
    this.emit('reconnected', {
      rejoined: outcomes.filter((o) => o.outcome !== 'failed').map((o) => o.id),
      failed: outcomes.filter((o) => o.outcome === 'failed').map((o) => o.id),
    });
  }

  private rejoin(
    ws: SocketLike,
    appointmentId: string,
  ): Promise<{ id: string; outcome: 'resumed' | 'fresh' | 'failed' | 'retry' }> {
    return new Promise((resolve) => {
      // `rejoined` is emitted inside the ack's dispatch, not a promise turn later, so a visit
      // learns it was (or was not) resumed before the signals the server queued for it arrive.
      this.call({ event: 'session.join', data: { appointmentId } }, this.requestTimeoutMs, true, {
        succeed: (data) => {
          const result = data as unknown as SessionJoinResult;
          this.emit('rejoined', { appointmentId, result });
          resolve({ id: appointmentId, outcome: result.resumed ? 'resumed' : 'fresh' });
        },
        fail: (error) => {
          if (error.code === 'TIMEOUT' || error.code === 'DISCONNECTED' || ws !== this.ws) {
            resolve({ id: appointmentId, outcome: 'retry' });
            return;
          }
          this.joined.delete(appointmentId);
          this.emit('rejoin-failed', { appointmentId, error });
          resolve({ id: appointmentId, outcome: 'failed' });
        },
      });
    });
  }

  /**
   * `resumed` null sends everything. Otherwise signals of visits that were not resumed are
   * dropped: they belong to a peer connection the other side has already closed.
   */
  private flushOutbox(ws: SocketLike, resumed: Set<string> | null): void {
    const queued = this.outbox;
    this.outbox = [];
    for (const { frame, id } of queued) {
      const pending = id === undefined ? undefined : this.pending.get(id);
      const appointmentId = (frame.data as { appointmentId?: string }).appointmentId;
      const stale =
        resumed !== null && frame.event === 'signal' && !resumed.has(appointmentId ?? '');
      const error = stale
        ? new TelevisitError('DISCONNECTED', 'The visit was not resumed; signal dropped')
        : this.transmit(ws, id === undefined ? frame : { ...frame, id });
      if (pending && id !== undefined) {
        if (error) {
          this.pending.delete(id);
          clearTimeout(pending.timer);
          pending.fail(error);
        } else {
          pending.sent = true;
        }
      }
    }
  }

  private onMessage(ws: SocketLike, raw: unknown): void {
    // The protocol is JSON text only; anything else is not ours to interpret.
    if (ws !== this.ws || typeof raw !== 'string') {
      return;
    }
    let frame: unknown;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (!isRecord(frame) || typeof frame.event !== 'string') {
      return;
    }
    const data = isRecord(frame.data) ? frame.data : {};
    if (frame.event === 'ack' || (frame.event === 'error' && typeof data.id === 'string')) {
      this.settle(frame.event, data);
      return;
    }
    if (frame.event === 'session.ended' || frame.event === 'session.replaced') {
      this.joined.delete(String(data.appointmentId));
    }
    this.emitUnchecked(frame.event, data);
  }

  private settle(event: 'ack' | 'error', data: Record<string, unknown>): void {
    const { id, ...result } = data;
    const pending = this.pending.get(String(id));
    // An answer to a request that already timed out has nobody left to tell.
    if (!pending) {
      return;
    }
    this.pending.delete(String(id));
    clearTimeout(pending.timer);
    if (event === 'error') {
      const code = typeof result.code === 'string' ? result.code : 'UNKNOWN_ERROR';
      const message = typeof result.message === 'string' ? result.message : code;
      pending.fail(new TelevisitError(code, message, result.details));
      return;
    }
    if (pending.frame.event === 'session.join') {
      this.joined.add((pending.frame.data as { appointmentId: string }).appointmentId);
    }
    pending.succeed(result);
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
    this.failPending((p) => p.sent, 'DISCONNECTED', 'The connection dropped before an answer');
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
      this.failPending(() => true, 'CONNECT_FAILED', reason);
      this.outbox = [];
      reject(
        new TelevisitError('CONNECT_FAILED', `Could not connect to Televisit (${reason})`, details),
      );
      return;
    }
    if (this.reconnect === false) {
      this.shutdown(code, reason);
      return;
    }
    const delayMs = this.backoff(code, this.reconnect);
    this.setState('waiting-to-reconnect');
    this.reconnectTimer = setTimeout(() => void this.open(), delayMs);
    this.emit('disconnected', { code, reason, willReconnect: true, delayMs });
  }

  private backoff(code: number, options: Required<ReconnectOptions>): number {
    const attempt = this.attempt++;
    if (code === CloseCode.serverRestarting && attempt === 0) {
      return Math.random() * RESTART_SPREAD_MS;
    }
    const cap = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
    // Half fixed, half random: never zero, and a crowd dropped together comes back spread out.
    const delay = cap / 2 + (Math.random() * cap) / 2;
    return code === CloseCode.policyViolation
      ? Math.max(delay, options.policyViolationDelayMs)
      : delay;
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
    this.failPending(() => true, 'CLOSED', `Socket closed (${code}${reason ? `: ${reason}` : ''})`);
    this.outbox = [];
    this.joined.clear();
    this.emit('disconnected', { code, reason, willReconnect: false });
  }

  private failPending(which: (p: Pending) => boolean, code: string, message: string): void {
    for (const [id, pending] of [...this.pending]) {
      if (which(pending)) {
        this.pending.delete(id);
        clearTimeout(pending.timer);
        pending.fail(new TelevisitError(code, message));
      }
    }
  }

  private setState(state: SocketState): void {
    if (state !== this.current) {
      this.current = state;
      this.emit('state', state);
    }
  }
}

function detach(ws: SocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  // The `ws` package throws on an 'error' event nobody listens to.
  ws.onerror = () => undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
