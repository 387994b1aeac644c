import type { ClientFrame, UntypedResult } from './protocol.js';
import { TelevisitError } from './televisit-error.js';

export interface Settle {
  succeed(result: UntypedResult): void;
  fail(error: TelevisitError): void;
}

interface Pending extends Settle {
  frame: ClientFrame;
  timer: ReturnType<typeof setTimeout>;
  /** Went out on a socket (so a drop leaves its outcome unknown), rather than waiting. */
  sent: boolean;
}

/**
 * The requests a socket waits answers for, matched by frame id, and the frames held back while
 * it reconnects. Knows nothing of the connection: the socket says what went out and what came.
 */
export class PendingRequests {
  private seq = 0;
  private readonly pending = new Map<string, Pending>();
  /** Frames sent while not connected, with the id of their pending request if any. */
  private outbox: Array<{ frame: ClientFrame; id?: string }> = [];

  constructor(private readonly maxQueued: number) {}

  get full(): boolean {
    return this.outbox.length >= this.maxQueued;
  }

  /** A new request's id; it fails with TIMEOUT unless answered within `timeoutMs`. */
  start(frame: ClientFrame, timeoutMs: number, settle: Settle): string {
    const id = String(++this.seq);
    const timer = setTimeout(() => {
      this.pending.delete(id);
      this.outbox = this.outbox.filter((queued) => queued.id !== id);
      settle.fail(new TelevisitError('TIMEOUT', `No answer to ${frame.event} in ${timeoutMs} ms`));
    }, timeoutMs);
    this.pending.set(id, { frame, timer, sent: false, ...settle });
    return id;
  }

  markSent(id: string): void {
    const pending = this.pending.get(id);
    if (pending) {
      pending.sent = true;
    }
  }

  /** The request could not go out: it fails with `error` and is forgotten. */
  abort(id: string, error: TelevisitError): void {
    const pending = this.pending.get(id);
    if (pending) {
      this.pending.delete(id);
      clearTimeout(pending.timer);
      pending.fail(error);
    }
  }

  /** Holds a frame for the next connection; false when the outbox is full. */
  enqueue(frame: ClientFrame, id?: string): boolean {
    if (this.full) {
      return false;
    }
    this.outbox.push({ frame, id });
    return true;
  }

  /**
   * Settles the request an `ack` or `error` frame answers. `onAck` runs before the requester
   * hears of it, with the frame that was answered.
   */
  answer(
    event: 'ack' | 'error',
    data: Record<string, unknown>,
    onAck: (frame: ClientFrame) => void,
  ): void {
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
    onAck(pending.frame);
    pending.succeed(result);
  }

  /** Fails the requests that were sent (`sentOnly`) or all of them. */
  failAll(sentOnly: boolean, code: string, message: string): void {
    for (const [id, pending] of [...this.pending]) {
      if (pending.sent || !sentOnly) {
        this.abort(id, new TelevisitError(code, message));
      }
    }
  }

  clearOutbox(): void {
    this.outbox = [];
  }

  /**
   * Lets the held frames out through `send`, which answers an error when one cannot go. A frame
   * that is `stale` is not sent; its request (if any) fails with DISCONNECTED.
   */
  flush(send: (frame: ClientFrame) => TelevisitError | null, stale: (f: ClientFrame) => boolean) {
    const queued = this.outbox;
    this.outbox = [];
    for (const { frame, id } of queued) {
      const error = stale(frame)
        ? new TelevisitError('DISCONNECTED', 'The visit was not resumed; signal dropped')
        : send(id === undefined ? frame : { ...frame, id });
      if (id !== undefined) {
        if (error) {
          this.abort(id, error);
        } else {
          this.markSent(id);
        }
      }
    }
  }
}
