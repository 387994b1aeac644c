import type {
  ChatMessage,
  ClientFrame,
  CommandData,
  CommandName,
  CommandResult,
  SessionJoinResult,
} from './protocol.js';
import { PendingRequests, type Settle } from './pending-requests.js';
import { SocketConnection } from './socket-connection.js';
import type { RequestOptions, TelevisitSocketOptions } from './socket-options.js';
import { TelevisitError } from './televisit-error.js';
import { decodeFrame, encodeFrame, type SocketLike } from './wire.js';

export type {
  ReconnectOptions,
  RequestOptions,
  SocketEvents,
  SocketLifecycleEvents,
  SocketState,
  TelevisitSocketOptions,
  TokenProvider,
  WebSocketClass,
} from './socket-options.js';

type RejoinOutcome = 'resumed' | 'fresh' | 'failed' | 'retry';

/**
 * One WebSocket to Televisit per device: typed requests with acks, typed server events, and
 * taking joined visits back after a drop (the server holds a seat for 30 s). Keeping the
 * connection itself up (backoff, reconnection) is SocketConnection's.
 */
export class TelevisitSocket extends SocketConnection {
  private readonly requestTimeoutMs: number;
  private readonly requests: PendingRequests;
  private readonly joined = new Set<string>();

  constructor(options: TelevisitSocketOptions) {
    super(options);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.requests = new PendingRequests(options.maxQueuedFrames ?? 100);
  }

  /** Visits this socket will take back after a reconnect. */
  get joinedVisits(): string[] {
    return [...this.joined];
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
    if (this.state === 'open' && this.ws) {
      return this.transmit(this.ws, frame) === null;
    }
    if (this.state === 'idle' || this.state === 'closed') {
      return false;
    }
    return this.requests.enqueue(frame);
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

  protected opened(ws: SocketLike, first: boolean): void {
    if (first) {
      this.flushOutbox(ws, null);
    } else {
      void this.resume(ws);
    }
  }

  protected received(_ws: SocketLike, raw: unknown): void {
    const frame = decodeFrame(raw);
    if (!frame) {
      return;
    }
    const { event, data } = frame;
    if (event === 'ack' || (event === 'error' && typeof data.id === 'string')) {
      this.requests.answer(event, data, (answered) => {
        if (answered.event === 'session.join') {
          this.joined.add((answered.data as { appointmentId: string }).appointmentId);
        }
      });
      return;
    }
    if (event === 'session.ended' || event === 'session.replaced') {
      this.joined.delete(String(data.appointmentId));
    }
    this.emitUnchecked(event, data);
  }

  protected dropped(): void {
    this.requests.failAll(true, 'DISCONNECTED', 'The connection dropped before an answer');
  }

  protected neverConnected(reason: string): void {
    this.requests.failAll(false, 'CONNECT_FAILED', reason);
    this.requests.clearOutbox();
  }

  protected closedForGood(code: number, reason: string): void {
    this.requests.failAll(false, 'CLOSED', `Socket closed (${code}${reason ? `: ${reason}` : ''})`);
    this.requests.clearOutbox();
    this.joined.clear();
  }

  private call(frame: ClientFrame, timeoutMs: number, direct: boolean, settle: Settle): void {
    if (this.state === 'closed' || this.state === 'idle') {
      const code = this.state === 'closed' ? 'CLOSED' : 'NOT_CONNECTED';
      settle.fail(new TelevisitError(code, `Cannot send ${frame.event}: the socket is ${code}`));
      return;
    }
    this.noteCommand(frame);
    const ws = direct || this.state === 'open' ? this.ws : null;
    if (!ws && this.requests.full) {
      settle.fail(new TelevisitError('QUEUE_FULL', 'Too many frames waiting for the connection'));
      return;
    }
    const id = this.requests.start(frame, timeoutMs, settle);
    if (!ws) {
      this.requests.enqueue(frame, id);
      return;
    }
    const error = this.transmit(ws, { ...frame, id });
    if (error) {
      this.requests.abort(id, error);
    } else {
      this.requests.markSent(id);
    }
  }

  private transmit(ws: SocketLike, frame: ClientFrame): TelevisitError | null {
    const text = encodeFrame(frame);
    if (typeof text !== 'string') {
      return text;
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
      this.restart(ws, 'resume timed out');
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
  ): Promise<{ id: string; outcome: RejoinOutcome }> {
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
    this.requests.flush(
      (frame) => this.transmit(ws, frame),
      (frame) =>
        resumed !== null &&
        frame.event === 'signal' &&
        !resumed.has((frame.data as { appointmentId: string }).appointmentId),
    );
  }
}
