/**
 * Ties a frame's `data` object to its frame while a handler runs: the exception filter finds the
 * frame's `id` for its error frame, and marks the frame failed so no ack follows.
 */
export interface FrameContext {
  id?: string;
  failed: boolean;
}

const contexts = new WeakMap<object, FrameContext>();

export function bindFrameContext(data: object, context: FrameContext): void {
  contexts.set(data, context);
}

export function frameContextOf(data: unknown): FrameContext | undefined {
  return typeof data === 'object' && data !== null ? contexts.get(data) : undefined;
}

const AFTER_ACK = Symbol('televisit.afterAck');

/** A handler result whose `then` runs once the ack has been sent (events the ack must precede). */
export function ackThen<T extends object>(result: T, afterAck: () => void): T {
  Object.defineProperty(result, AFTER_ACK, { value: afterAck, enumerable: false });
  return result;
}

export function afterAckOf(result: unknown): (() => void) | undefined {
  return typeof result === 'object' && result !== null
    ? (result as Record<symbol, (() => void) | undefined>)[AFTER_ACK]
    : undefined;
}
