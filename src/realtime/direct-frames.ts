import { Injectable } from '@nestjs/common';
import type { Connection } from './connection';

/** Answers a frame's data with the ack's fields (or throws an AppError for an error frame). */
export type DirectHandler = (
  connection: Connection,
  data: Record<string, unknown>,
) => object | Promise<object>;

/**
 * Events answered by a plain function instead of Nest's message pipeline (pipes, interceptors,
 * observables, several promises per frame). For the relay's hot path, a `signal`: measured, the
 * pipeline cost more than everything else a relayed frame does. A direct handler validates its
 * own data; acks, error frames and the rate limit are the adapter's, as for every event.
 */
@Injectable()
export class DirectFrames {
  private readonly handlers = new Map<string, DirectHandler>();

  register(event: string, handler: DirectHandler): void {
    this.handlers.set(event, handler);
  }

  handlerFor(event: string): DirectHandler | undefined {
    return this.handlers.get(event);
  }
}
