import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';

export interface Frame {
  event: string;
  data: any;
}

export interface OpenOptions {
  token?: string;
  /** Raw query string, without the `?`. */
  query?: string;
  headers?: Record<string, string>;
  /** false: never answer the server's pings (a peer that went silent). */
  autoPong?: boolean;
}

export interface Refusal {
  status: number;
  body: any;
}

/** Generous: a loaded 2-core CI box can be slow, and a passing test never waits this long. */
export const FRAME_TIMEOUT_MS = 10_000;

/**
 * A socket client for the signaling tests. Unlike a waiter that only sees frames arriving after
 * it was set up, `next` first looks at frames already received and not yet taken, so a frame that
 * arrives in the same packet as an ack is never missed.
 */
export class SignalingClient {
  private static readonly opened = new Set<SignalingClient>();

  readonly frames: Frame[] = [];
  /**
   * Pings received, counted from the open: a ping sent right after the upgrade can be read with
   * its answer and emitted before the opener's code gets the socket.
   */
  pings = 0;
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly taken = new Set<Frame>();
  private readonly waiters = new Set<{ match: (f: Frame) => boolean; take: (f: Frame) => void }>();
  private readonly listeners = new Set<(frame: Frame) => void>();
  private nextId = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('ping', () => (this.pings += 1));
    ws.on('message', (raw, isBinary) => {
      const frame = isBinary
        ? { event: '<binary>', data: raw }
        : (JSON.parse((raw as Buffer).toString('utf8')) as Frame);
      this.frames.push(frame);
      this.listeners.forEach((listener) => listener(frame));
      for (const waiter of this.waiters) {
        if (waiter.match(frame)) {
          waiter.take(frame);
          break;
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        SignalingClient.opened.delete(this);
        resolve({ code, reason: reason.toString('utf8') });
      }),
    );
  }

  static url(baseUrl: string, query?: string): string {
    return `${baseUrl.replace(/^http/, 'ws')}/ws${query ? `?${query}` : ''}`;
  }

  /** Opens a socket; rejects with `{status, body}` when the upgrade is refused. */
  static open(baseUrl: string, options: OpenOptions = {}): Promise<SignalingClient> {
    const headers = { ...options.headers };
    if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    const ws = new WebSocket(SignalingClient.url(baseUrl, options.query), {
      headers,
      autoPong: options.autoPong ?? true,
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        const client = new SignalingClient(ws);
        SignalingClient.opened.add(client);
        resolve(client);
      });
      ws.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // keep the text
          }
          reject(
            Object.assign(new Error(`refused ${response.statusCode}`), {
              status: response.statusCode,
              body,
            }),
          );
        });
      });
      ws.once('error', reject);
    });
  }

  /** The HTTP answer to an upgrade that must be refused; fails if a socket opens instead. */
  static async refusal(baseUrl: string, options: OpenOptions = {}): Promise<Refusal> {
    let client: SignalingClient;
    try {
      client = await SignalingClient.open(baseUrl, options);
    } catch (error) {
      const { status, body } = error as Partial<Refusal>;
      if (status === undefined) {
        throw error;
      }
      return { status, body };
    }
    client.drop();
    throw new Error('the upgrade was accepted');
  }

  /** Terminates every socket still open (for afterAll). */
  static async closeAll(): Promise<void> {
    const open = [...SignalingClient.opened];
    open.forEach((client) => client.drop());
    await Promise.all(open.map((client) => client.closed));
  }

  /** Every frame from now on, as it arrives (besides being kept for `next`). */
  onFrame(listener: (frame: Frame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendRaw(payload: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(payload, { binary: options.binary ?? Buffer.isBuffer(payload) });
  }

  send(event: string, data: unknown, id?: string): void {
    this.ws.send(JSON.stringify(id === undefined ? { event, data } : { event, data, id }));
  }

  newId(): string {
    return `r${(this.nextId += 1)}`;
  }

  /** Sends with an id and resolves with the ack or error answering it. */
  request(event: string, data: unknown): Promise<Frame> {
    const id = this.newId();
    const answer = this.answerTo(id);
    this.send(event, data, id);
    return answer;
  }

  /** The ack or error frame for the frame with this id. */
  answerTo(id: string, timeoutMs = FRAME_TIMEOUT_MS): Promise<Frame> {
    return this.next(
      (f) => (f.event === 'ack' || f.event === 'error') && f.data?.id === id,
      timeoutMs,
    );
  }

  /**
   * A round trip that changes nothing: once it is answered, every frame the server sent this
   * socket before it has arrived.
   */
  async sync(): Promise<void> {
    const answer = await this.request('session.leave', { appointmentId: randomUUID() });
    if (answer.event !== 'error' || answer.data.code !== 'NOT_IN_VISIT') {
      throw new Error(`unexpected answer to the sync frame: ${JSON.stringify(answer)}`);
    }
  }

  /** From now on `next` looks only at frames still to come. */
  skipReceived(): void {
    this.frames.forEach((frame) => this.taken.add(frame));
  }

  /** The earliest frame not yet taken that matches, already received or still to come. */
  next(match: string | ((f: Frame) => boolean), timeoutMs = FRAME_TIMEOUT_MS): Promise<Frame> {
    const test = typeof match === 'string' ? (f: Frame) => f.event === match : match;
    const found = this.frames.find((f) => !this.taken.has(f) && test(f));
    if (found) {
      this.taken.add(found);
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        match: test,
        take: (f: Frame) => {
          this.taken.add(f);
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(
          new Error(
            `no frame matching ${String(match)} within ${timeoutMs} ms; received ${JSON.stringify(
              this.frames.map((f) => f.event),
            )}`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  received(event: string): Frame[] {
    return this.frames.filter((f) => f.event === event);
  }

  /** The close code and reason, failing instead of hanging when the socket stays open. */
  closedWithin(timeoutMs = FRAME_TIMEOUT_MS): Promise<{ code: number; reason: string }> {
    return within(this.closed, timeoutMs, 'the socket to close');
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }

  /** Drops the TCP connection without a close handshake, like a phone losing signal. */
  drop(): void {
    this.ws.terminate();
  }
}

export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${timeoutMs} ms for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
