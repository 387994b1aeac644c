import { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { lastValueFrom, Observable } from 'rxjs';
import { AppError } from '../common/app-error';
import type { DatabaseOutage } from '../database/database-outage';
import { CLOSE_POLICY, Connection } from './connection';
import type { DirectFrames, DirectHandler } from './direct-frames';
import { ClientFrame, parseFrame } from './frame';
import { afterAckOf, bindFrameContext, FrameContext } from './frame-context';
import { errorFrameData } from './ws-error.filter';

/** A gateway's handler for one event, with the pipeline Nest gave it. */
export interface BoundHandler {
  handler: MessageMappingProperties;
  transform: (data: unknown) => Observable<unknown>;
}

/**
 * Takes each client frame through the rate limit and the envelope check to its handler, and
 * answers it: an ack with the handler's result, or an error frame with a code the client can
 * act on. Every frame with an id gets exactly one answer.
 */
export class FrameRouter {
  private readonly logger = new Logger('WebSocket');

  constructor(
    private readonly direct: DirectFrames,
    private readonly outage: DatabaseOutage,
  ) {}

  route(
    connection: Connection,
    raw: Buffer,
    isBinary: boolean,
    handlers: Map<string, BoundHandler>,
  ): void {
    const admission = connection.admitFrame();
    if (admission === 'abusive') {
      connection.close(CLOSE_POLICY, 'rate limit exceeded');
      return;
    }
    if (admission === 'refused') {
      // Still answer the frame's id, so a client waiting for its ack is not left hanging.
      const parsed = isBinary ? undefined : parseFrame(raw.toString('utf8'));
      connection.send('error', {
        id: parsed?.ok ? parsed.frame.id : parsed?.id,
        code: 'RATE_LIMITED',
        message: 'Too many frames; slow down',
      });
      return;
    }
    if (isBinary) {
      connection.send('error', { code: 'INVALID_FRAME', message: 'Frames are JSON text' });
      return;
    }
    const parsed = parseFrame(raw.toString('utf8'));
    if (!parsed.ok) {
      const { id, code, message, details } = parsed;
      connection.send('error', { id, code, message, details });
      return;
    }
    const { frame } = parsed;
    const direct = this.direct.handlerFor(frame.event);
    if (direct) {
      this.runDirect(connection, frame, direct);
      return;
    }
    const bound = handlers.get(frame.event);
    if (!bound) {
      connection.send('error', {
        id: frame.id,
        code: 'UNKNOWN_EVENT',
        message: `Unknown event "${frame.event}"`,
      });
      return;
    }
    void this.runBound(connection, frame, bound);
  }

  /** A direct handler: no pipeline, and no promise at all when it answers synchronously. */
  private runDirect(connection: Connection, frame: ClientFrame, handler: DirectHandler): void {
    const answer = (result: object) => {
      if (frame.id !== undefined) {
        connection.send('ack', { id: frame.id, ...result });
      }
      afterAckOf(result)?.();
    };
    const fail = (thrown: unknown) => {
      const error = this.outage.classify(thrown);
      if (!(error instanceof AppError)) {
        this.logger.error({ err: error, event: frame.event }, 'Socket handler failed');
      }
      connection.send('error', errorFrameData(error, frame.id));
    };
    try {
      const result = handler(connection, frame.data);
      if (result instanceof Promise) {
        result.then(answer, fail);
      } else {
        answer(result);
      }
    } catch (error) {
      fail(error);
    }
  }

  /** A gateway handler through Nest's pipeline (validation pipe, exception filter). */
  private async runBound(
    connection: Connection,
    frame: ClientFrame,
    bound: BoundHandler,
  ): Promise<void> {
    const context: FrameContext = { id: frame.id, failed: false };
    bindFrameContext(frame.data, context);
    try {
      const result = await lastValueFrom(
        bound.transform(await bound.handler.callback(frame.data, frame.event)),
        { defaultValue: undefined },
      );
      if (context.failed) {
        return;
      }
      if (frame.id !== undefined) {
        connection.send('ack', { id: frame.id, ...(result as object | undefined) });
      }
      afterAckOf(result)?.();
    } catch (error) {
      this.logger.error({ err: error, event: frame.event }, 'Socket handler failed');
      connection.send('error', errorFrameData(undefined, frame.id));
    }
  }
}
