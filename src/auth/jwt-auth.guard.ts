import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { GUEST_ROLE } from '../users/role';
import { AuthErrors } from './auth.errors';
import type { Caller } from './caller';
import { JwtStrategy } from './jwt.strategy';
import { IS_PUBLIC } from './public.decorator';
import { originOf } from './request-origin.decorator';

/**
 * Global: every route needs a valid access token unless marked @Public(). A guest's token (a
 * redeemed visit invite) is refused on every route: it is good only for the visit's socket,
 * which authenticates at the upgrade, not here.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) {
      return true;
    }
    const request = context.switchToHttp().getRequest<Request & { user?: Caller }>();
    const caller = await this.jwt.authenticate(request, originOf(request));
    if (caller.visitId !== undefined || caller.role === GUEST_ROLE) {
      throw AuthErrors.visitTokenOnly();
    }
    request.user = caller;
    return true;
  }
}
