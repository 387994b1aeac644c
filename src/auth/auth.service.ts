import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { UserView } from '../users/user.entity';
import { PasswordHasher } from '../users/password-hasher';
import { UsersService } from '../users/users.service';
import { AccessTokens } from './access-tokens';
import { AuthErrors } from './auth.errors';
import type { RequestOrigin } from './caller';
import { LOGIN_ACTION, LoginThrottleService } from './login-throttle.service';
import { ActiveSession, SessionsService } from './sessions.service';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokens,
    private readonly throttle: LoginThrottleService,
    private readonly audit: AuditService,
  ) {}

  async login(
    email: string,
    password: string,
    origin: RequestOrigin,
  ): Promise<TokenPair & { user: UserView }> {
    const release = this.throttle.enter(email, origin.ip);
    try {
      return await this.attemptLogin(email, password, origin);
    } finally {
      release();
    }
  }

  private async attemptLogin(
    email: string,
    password: string,
    origin: RequestOrigin,
  ): Promise<TokenPair & { user: UserView }> {
    const retryAfter = await this.throttle.retryAfterSeconds(email, origin.ip);
    if (retryAfter > 0) {
      await this.recordLogin(null, 'denied', { email, reason: 'throttled' }, origin);
      throw AuthErrors.tooManyAttempts(retryAfter);
    }
    const credentials = await this.users.findCredentials(email);
    const passwordOk = credentials
      ? await this.hasher.verify(credentials.passwordHash, password)
      : await this.hasher.verifyNothing(password);
    if (!credentials || !passwordOk) {
      await this.recordLogin(credentials?.id ?? null, 'failure', { email }, origin);
      throw AuthErrors.invalidCredentials();
    }
    if (credentials.disabled) {
      await this.recordLogin(credentials.id, 'denied', { email, reason: 'disabled' }, origin);
      throw AuthErrors.accountDisabled();
    }

    const pair = await this.dataSource.transaction(async (manager) => {
      const { sessionId, refreshToken } = await this.sessions.start(credentials.id, manager);
      await this.audit.record(
        {
          actorId: credentials.id,
          action: LOGIN_ACTION,
          outcome: 'success',
          target: { type: 'session', id: sessionId },
          details: { email },
          origin,
        },
        manager,
      );
      const session: ActiveSession = { sessionId, userId: credentials.id, role: credentials.role };
      return this.pair(session, refreshToken);
    });
    return { ...pair, user: await this.users.findView(credentials.id) };
  }

  /**
   * Trades a refresh token for a new pair. Each token works once: presenting a used one means
   * it was copied, so the whole login is ended for both holders.
   */
  async refresh(refreshToken: string, origin: RequestOrigin): Promise<TokenPair> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      const found = await this.sessions.lookupRefreshToken(refreshToken, manager);
      switch (found.kind) {
        case 'unknown':
        case 'ended':
          return found;
        case 'reused':
          await this.sessions.revoke(found.sessionId, 'refresh_token_reuse', manager);
          await this.audit.record(
            {
              actorId: found.userId,
              action: 'auth.refresh',
              outcome: 'denied',
              target: { type: 'session', id: found.sessionId },
              details: { reason: 'refresh_token_reuse' },
              origin,
            },
            manager,
          );
          return found;
        case 'valid': {
          const next = await this.sessions.rotate(refreshToken, found.session.sessionId, manager);
          return { kind: 'rotated' as const, pair: await this.pair(found.session, next) };
        }
      }
    });
    switch (outcome.kind) {
      case 'rotated':
        return outcome.pair;
      case 'reused':
        throw AuthErrors.refreshTokenReused();
      case 'unknown':
      case 'ended':
        throw AuthErrors.invalidRefreshToken();
    }
  }

  /** Ends the login the refresh token belongs to. Ending an already ended login is fine. */
  async logout(refreshToken: string, origin: RequestOrigin): Promise<void> {
    const found = await this.dataSource.transaction(async (manager) => {
      const lookup = await this.sessions.lookupRefreshToken(refreshToken, manager);
      if (lookup.kind === 'unknown') {
        return undefined;
      }
      const { sessionId, userId } = lookup.kind === 'valid' ? lookup.session : lookup;
      await this.sessions.revoke(sessionId, 'logout', manager);
      await this.audit.record(
        {
          actorId: userId,
          action: 'auth.logout',
          outcome: 'success',
          target: { type: 'session', id: sessionId },
          origin,
        },
        manager,
      );
      return { sessionId, userId };
    });
    if (!found) {
      throw AuthErrors.invalidRefreshToken();
    }
  }

  private async pair(session: ActiveSession, refreshToken: string): Promise<TokenPair> {
    return {
      accessToken: await this.accessTokens.sign(session),
      refreshToken,
      expiresIn: this.accessTokens.ttlSeconds,
    };
  }

  private recordLogin(
    userId: string | null,
    outcome: 'failure' | 'denied',
    details: Record<string, unknown>,
    origin: RequestOrigin,
  ): Promise<void> {
    return this.audit.record({ actorId: userId, action: LOGIN_ACTION, outcome, details, origin });
  }
}
