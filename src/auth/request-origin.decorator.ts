import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Caller, RequestOrigin } from './caller';

export function originOf(request: Request): RequestOrigin {
  return { ip: request.ip ?? null, requestId: typeof request.id === 'string' ? request.id : null };
}

/** The authenticated caller of this request (set by the JWT strategy). */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  return ctx.switchToHttp().getRequest<Request & { user: Caller }>().user;
});

/** Where an unauthenticated request came from, for the audit log and login throttling. */
export const Origin = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestOrigin => {
  return originOf(ctx.switchToHttp().getRequest<Request>());
});
