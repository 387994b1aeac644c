import { WebSocket } from 'ws';

export interface Frame {
  event: string;
  data: any;
}

/**
 * A test socket that records every frame, so tests can wait for the next frame of an event or
 * for an ack, and assert what was (not) received.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  private readonly waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private nextId = 0;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const frame = JSON.parse((raw as Buffer).toString('utf8')) as Frame;
      this.frames.push(frame);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  /** Opens a socket; resolves when open, rejects with the HTTP status when refused. */
  static open(
    baseUrl: string,
    options: { token?: string; query?: string; headers?: Record<string, string> } = {},
  ): Promise<TestSocket> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws${options.query ? `?${options.query}` : ''}`;
    const headers = { ...options.headers };
    if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestSocket(ws)));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () =>
          reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, body })),
        );
      });
      ws.once('error', reject);
    });
  }

  sendRaw(text: string | Buffer): void {
    this.ws.send(text);
  }

  send(event: string, data: unknown, id?: string): void {
    this.ws.send(JSON.stringify(id === undefined ? { event, data } : { event, data, id }));
  }

  /** Sends with an id and resolves with the ack's or error's data. */
  async request(event: string, data: unknown): Promise<{ event: 'ack' | 'error'; data: any }> {
    const id = `r${(this.nextId += 1)}`;
    const answer = this.next((f) => (f.event === 'ack' || f.event === 'error') && f.data?.id === id);
    this.send(event, data, id);
    return (await answer) as { event: 'ack' | 'error'; data: any };
  }

  /** The next frame (from now on, or already received and not yet consumed) matching. */
  next(match: string | ((f: Frame) => boolean), timeoutMs = 5000): Promise<Frame> {
    const test = typeof match === 'string' ? (f: Frame) => f.event === match : match;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no frame matching ${String(match)} within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        match: test,
        resolve: (f: Frame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      this.waiters.push(waiter);
    });
  }

  received(event: string): Frame[] {
    return this.frames.filter((f) => f.event === event);
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
