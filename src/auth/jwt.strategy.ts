import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccessTokenClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';
import { AuthErrors } from './auth.errors';
import type { Caller } from './caller';
import { originOf } from './request-origin.decorator';
import { SessionsService } from './sessions.service';

/**
 * Verifies the bearer token (one fixed algorithm), then checks its login is still live, so
 * logout and disabling take effect on the very next request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.jwtSecret,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      passReqToCallback: true,
    });
  }

  async validate(request: Request, claims: AccessTokenClaims): Promise<Caller> {
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string') {
      throw AuthErrors.invalidToken();
    }
    const session = await this.sessions.findActive(claims.sid, claims.sub).catch(() => undefined);
    if (!session) {
      throw AuthErrors.sessionEnded();
    }
    return { ...session, ...originOf(request) };
  }
}
