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
import { ActiveSession, SessionsService } from './sessions.service';

/** What passport-jwt calls on the per-attempt copy of the strategy. */
interface StrategyAttempt {
  success(user: unknown): void;
  fail(info: unknown): void;
  error(error: unknown): void;
  authenticate(request: IncomingMessage, options: object): void;
}

/** Verified tokens remembered at most; past this, the oldest is forgotten first. */
const MAX_VERIFIED = 10_000;

/** A token's claims, with its expiry (seconds since the epoch). */
type VerifiedClaims = AccessTokenClaims & { exp: number };

/**
 * Verifies access tokens with passport-jwt (one fixed algorithm, issuer and audience), then
 * checks the login is still live, so logout and disabling take effect on the next request.
 *
 * A token is used for every request of its life: once verified, its claims are remembered
 * (until it expires) and it is not verified again. The login check still runs every time.
 *
 * The strategy is driven directly rather than through passport's process-wide registry, so
 * several app instances in one process (tests, the multi-instance suite) never share one.
 */
@Injectable()
export class JwtStrategy {
  private readonly fromHeader: Strategy;
  private readonly fromHeaderOrQuery: Strategy;
  private readonly headerToken = ExtractJwt.fromAuthHeaderAsBearerToken();
  private readonly headerOrQueryToken = ExtractJwt.fromExtractors([
    this.headerToken,
    ExtractJwt.fromUrlQueryParameter('access_token'),
  ]);
  private readonly verified = new Map<string, VerifiedClaims>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly sessions: SessionsService,
  ) {
    this.fromHeader = this.strategy(config, this.headerToken);
    // Browsers cannot set headers on a WebSocket upgrade; only there may the token ride the URL.
    this.fromHeaderOrQuery = this.strategy(config, this.headerOrQueryToken);
  }

  /** The caller behind a request's bearer token, or an AppError saying why there is none. */
  async authenticate(
    request: IncomingMessage,
    origin: RequestOrigin,
    options: { allowQueryToken?: boolean } = {},
  ): Promise<Caller> {
    const token = (options.allowQueryToken ? this.headerOrQueryToken : this.headerToken)(request);
    const known = token ? this.verified.get(token) : undefined;
    if (known && known.exp * 1000 > Date.now()) {
      return { ...(await this.validate(known)), ...origin };
    }
    const { session, claims } = await this.verify(request, options);
    if (token) {
      this.remember(token, claims);
    }
    return { ...session, ...origin };
  }

  private verify(
    request: IncomingMessage,
    options: { allowQueryToken?: boolean },
  ): Promise<{ session: ActiveSession; claims: VerifiedClaims }> {
    const strategy = options.allowQueryToken ? this.fromHeaderOrQuery : this.fromHeader;
    return new Promise((resolve, reject) => {
      const attempt = Object.create(strategy) as StrategyAttempt;
      attempt.success = (verified) =>
        resolve(verified as { session: ActiveSession; claims: VerifiedClaims });
      attempt.fail = (info) => reject(toAuthError(info));
      // Our own refusals, or a failure to check (the database down): not a bad token.
      attempt.error = (error) => reject(error instanceof Error ? error : new Error(String(error)));
      attempt.authenticate(request, {});
    });
  }

  private remember(token: string, claims: VerifiedClaims): void {
    this.verified.delete(token);
    this.verified.set(token, claims);
    if (this.verified.size > MAX_VERIFIED) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) {
        this.verified.delete(oldest);
      }
    }
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
      (claims: VerifiedClaims, done: VerifiedCallback) => {
        // jsonwebtoken checks `exp` only when present: a correctly signed token without one
        // would never expire (and the remembered-token check above could not tell its age).
        if (!Number.isFinite(claims.exp)) {
          done(AuthErrors.invalidToken());
          return;
        }
        this.validate(claims).then(
          (session) => done(null, { session, claims }),
          (error: unknown) => done(error),
        );
      },
    );
  }

  private async validate(claims: AccessTokenClaims): Promise<ActiveSession> {
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
