import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import type { UserRole } from '../users/role';
import type { ActiveSession } from './sessions.service';

export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'televisit';
export const JWT_AUDIENCE = 'televisit';

/** The claims of an access token: who, in which role, within which login. */
export interface AccessTokenClaims {
  sub: string;
  role: UserRole;
  sid: string;
}

/** Mints short-lived access tokens with one fixed algorithm. */
@Injectable()
export class AccessTokens {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get ttlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  /**
   * `notAfter` replaces the configured lifetime: a guest's token (no refresh token) lasts until
   * its visit is over.
   */
  sign(session: ActiveSession, notAfter?: Date): Promise<string> {
    const claims: AccessTokenClaims = {
      sub: session.userId,
      role: session.role,
      sid: session.sessionId,
    };
    const options = {
      secret: this.config.jwtSecret,
      algorithm: JWT_ALGORITHM,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    } as const;
    if (notAfter) {
      // An absolute `exp`: relative to the signing second it would fall up to a second early.
      return this.jwt.signAsync({ ...claims, exp: Math.floor(notAfter.getTime() / 1000) }, options);
    }
    return this.jwt.signAsync(claims, {
      ...options,
      expiresIn: this.config.accessTokenTtlSeconds,
    });
  }
}
