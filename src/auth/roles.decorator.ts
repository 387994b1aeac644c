import { SetMetadata } from '@nestjs/common';
import type { Role } from '../users/role';

export const ROLES_KEY = 'televisit:roles';

/** Restricts a route to these roles; the global roles guard answers 403 FORBIDDEN_ROLE. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);
