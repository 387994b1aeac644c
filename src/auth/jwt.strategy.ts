import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { ExtractJwt, JwtFromRequestFunction, Strategy, VerifiedCallback } from 'passport-jwt';
import { AppError } from '../common/app-error';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccessTokenClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from './access-tokens';
import { AuthErrors } from './auth.errors';
import type { Caller, RequestOrigin } from './caller';
import { SessionsService } from './sessions.service';

/** What passport-jwt calls on the per-attempt copy of the strategy. */
interface StrategyAttempt {
  success(user: unknown): void;
  fail(info: unknown): void;
  error(error: unknown): void;
  authenticate(request: IncomingMessage, options: object): void;
}

/**
 * Verifies access tokens with passport-jwt (one fixed algorithm, issuer and audience), then
 * checks the login is still live, so logout and disabling take effect on the next request.
 *
 * The strategy is driven directly rather than through passport's process-wide registry, so
 * several app instances in one process (tests, the multi-instance suite) never share one.
 */
@Injectable()
export class JwtStrategy {
  private readonly fromHeader: Strategy;
  private readonly fromHeaderOrQuery: Strategy;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: SessionsService,
  ) {
    const bearer = ExtractJwt.fromAuthHeaderAsBearerToken();
    this.fromHeader = this.strategy(config, bearer);
    // Browsers cannot set headers on a WebSocket upgrade; only there may the token ride the URL.
    this.fromHeaderOrQuery = this.strategy(
      config,
      ExtractJwt.fromExtractors([bearer, ExtractJwt.fromUrlQueryParameter('access_token')]),
    );
  }

  /** The caller behind a request's bearer token, or an AppError saying why there is none. */
  authenticate(
    request: IncomingMessage,
    origin: RequestOrigin,
    options: { allowQueryToken?: boolean } = {},
  ): Promise<Caller> {
    const strategy = options.allowQueryToken ? this.fromHeaderOrQuery : this.fromHeader;
    return new Promise<Caller>((resolve, reject) => {
      const attempt = Object.create(strategy) as StrategyAttempt;
      attempt.success = (session) =>
        resolve({ ...(session as Omit<Caller, keyof RequestOrigin>), ...origin });
      attempt.fail = (info) => reject(toAuthError(info));
      // Our own refusals, or a failure to check (the database down): not a bad token.
      attempt.error = (error) => reject(error instanceof Error ? error : new Error(String(error)));
      attempt.authenticate(request, {});
    });
  }

  private strategy(config: AppConfig, jwtFromRequest: JwtFromRequestFunction): Strategy {
    return new Strategy(
      {
        jwtFromRequest,
        // A key object, made once: given the string, jsonwebtoken tries to parse it as a public
        // key on every verification before treating it as a secret (a costly failure).
        secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as string,
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
      },
      (claims: AccessTokenClaims, done: VerifiedCallback) => {
        this.validate(claims).then(
          (session) => done(null, session),
          (error: unknown) => done(error),
        );
      },
    );
  }

  private async validate(claims: AccessTokenClaims) {
    if (!isUuid(claims.sid) || !isUuid(claims.sub)) {
      throw AuthErrors.invalidToken();
    }
    const session = await this.sessions.findActive(claims.sid, claims.sub);
    if (!session) {
      throw AuthErrors.sessionEnded();
    }
    return session;
  }
}

function isUuid(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
  );
}

function toAuthError(info: unknown): AppError {
  if ((info as { name?: string } | undefined)?.name === 'TokenExpiredError') {
    return AuthErrors.expiredToken();
  }
  if (info instanceof Error && info.message === 'No auth token') {
    return AuthErrors.missingToken();
  }
  return AuthErrors.invalidToken();
}
