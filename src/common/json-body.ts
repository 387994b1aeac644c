import { UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppError, COMMON_ERRORS } from './app-error';
import { MAX_JSON_DEPTH, tooDeepUnder } from './json-depth';

/**
 * Express error middleware for right after the JSON body parser: its typed errors become ours,
 * passed on to the exception filter like any other. An error without a type we know (a bug of
 * ours: `stream.encoding.set`, `stream.not.readable`) goes on as it is, and is a logged 500.
 */
export function jsonBodyErrors(limitText: string) {
  return (error: unknown, request: Request, _response: Response, next: NextFunction): void => {
    const type =
      typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
    switch (type) {
      case 'request.aborted':
        // The client closed the connection mid-body: there is no one to answer, and nothing
        // went wrong here (the access log still notes the request as aborted).
        request.socket.destroy();
        return;
      case 'entity.parse.failed':
        return next(new AppError('invalid', 'MALFORMED_JSON', 'The body is not valid JSON'));
      case 'request.size.invalid':
        return next(
          new AppError('invalid', 'BAD_REQUEST', 'The body is not as long as Content-Length says'),
        );
      case 'entity.too.large':
        return next(
          new AppError('too_large', 'PAYLOAD_TOO_LARGE', `The body is larger than ${limitText}`),
        );
      case 'charset.unsupported':
      case 'encoding.unsupported':
        return next(new UnsupportedMediaTypeException('The body encoding is not supported'));
      default:
        return next(error);
    }
  };
}

/**
 * Refuses a parsed JSON body nested deeper than MAX_JSON_DEPTH, before anything walks it
 * recursively (the validation pipe would die of a RangeError).
 */
export function jsonDepthLimit() {
  return (request: Request, _response: Response, next: NextFunction): void => {
    const key = tooDeepUnder(request.body);
    if (key === undefined) {
      return next();
    }
    next(
      COMMON_ERRORS.validation({
        fields: { [key]: [`${key || 'the body'} nests deeper than ${MAX_JSON_DEPTH} levels`] },
      }),
    );
  };
}
