import { ArgumentsHost, Catch, ExceptionFilter, Injectable, Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { AppError } from '../common/app-error';
import { DatabaseOutage } from '../database/database-outage';
import { connectionOf } from './connection';
import { frameContextOf } from './frame-context';

/** The one place where errors become socket frames: an `error` frame; the socket stays open. */
@Catch()
@Injectable()
export class WsErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsErrorFilter');

  constructor(private readonly outage: DatabaseOutage) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = this.outage.classify(thrown);
    const ws = host.switchToWs();
    const context = frameContextOf(ws.getData());
    if (context) {
      context.failed = true;
    }
    const connection = connectionOf(ws.getClient<WebSocket>());
    if (!(exception instanceof AppError)) {
      this.logger.error({ err: exception, userId: connection.userId }, 'Unhandled socket error');
    }
    connection.send('error', errorFrameData(exception, context?.id));
  }
}

/** An `error` frame's data for what a handler threw; anything not ours is an internal error. */
export function errorFrameData(exception: unknown, id: string | undefined) {
  if (exception instanceof AppError) {
    return { id, code: exception.code, message: exception.message, details: exception.details };
  }
  return { id, code: 'INTERNAL_ERROR', message: 'Something went wrong on our side' };
}
