import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Role, UserRole } from '../users/role';
import { AuthErrors } from './auth.errors';
import type { Caller } from './caller';
import { ROLES_KEY } from './roles.decorator';

/** Global, after authentication: enforces @Roles(...) where a route declares it. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!roles) {
      return true;
    }
    const caller = context.switchToHttp().getRequest<Request & { user?: Caller }>().user;
    if (!caller || !(roles as readonly UserRole[]).includes(caller.role)) {
      throw AuthErrors.forbiddenRole();
    }
    return true;
  }
}
