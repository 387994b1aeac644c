import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { DatabaseOutage } from '../database/database-outage';
import { AppError, HTTP_STATUS_BY_KIND } from './app-error';
import { assignRequestId } from './logging';

/** Codes for failures raised by the framework itself rather than by our services. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details: Record<string, unknown>;
  requestId: string;
}

/** The one place where errors become HTTP: every error response has the contract's body. */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  constructor(private readonly outage: DatabaseOutage) {}

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = this.outage.classify(thrown);
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const body = this.toBody(exception, requestIdOf(request, response));
    // Only what we did not expect has its stack logged; a 503 is an answer, not a bug.
    if (body.code === 'INTERNAL_ERROR') {
      this.logger.error({ err: exception, requestId: body.requestId }, 'Unhandled error');
    }
    if (exception instanceof AppError && typeof exception.details.retryAfterSeconds === 'number') {
      response.setHeader('Retry-After', String(exception.details.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof AppError) {
      return {
        statusCode: HTTP_STATUS_BY_KIND[exception.kind],
        code: exception.code,
        message: exception.message,
        details: exception.details,
        requestId,
      };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      return {
        statusCode,
        code: CODE_BY_STATUS[statusCode] ?? (statusCode >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST'),
        message: exception.message,
        details: {},
        requestId,
      };
    }
    return {
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: 'Something went wrong on our side',
      details: {},
      requestId,
    };
  }
}

/**
 * The body parser runs before the logger's middleware gives the request its id, so a body it
 * refuses (too large, not JSON) arrives here without one; it gets one now, echoed like any other.
 */
function requestIdOf(request: Request, response: Response): string {
  if (typeof request.id === 'string') {
    return request.id;
  }
  const id = assignRequestId(request, response);
  request.id = id;
  return id;
}
