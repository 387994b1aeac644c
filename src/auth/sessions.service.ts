import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BatchOutcome, Coalescer } from '../common/coalescer';
import { sql } from '../database/sql';
import type { UserRole } from '../users/role';
import { ConnectionRegistry } from '../realtime/connection-registry';
import { InstanceRegistry } from '../realtime/instance-registry';
import { PgBus } from '../realtime/pg-bus';
import { AccessRevokedEvent, USER_DISABLED, UserDisabledEvent } from '../users/user-events';
import { SessionCheckCache } from './session-check-cache';

/**
 * How long a login found live is trusted without asking the database again. Revocations reach
 * the cache over the bus within milliseconds; this bounds the miss of a silently dead listener.
 */
const SESSION_CHECK_REUSE_MS = 10_000;

interface Login {
  sessionId: string;
  userId: string;
}

interface LiveLogin {
  session: ActiveSession;
  /** When the login expires (epoch ms). */
  notAfter: number;
}

export interface ActiveSession {
  sessionId: string;
  userId: string;
  role: UserRole;
  /** Set only for a guest's login: the appointment it is scoped to (`auth_sessions.appointment_id`). */
  visitId?: string;
}

/** What presenting a refresh token found. */
export type RefreshLookup =
  | { kind: 'unknown' }
  | { kind: 'reused'; sessionId: string; userId: string }
  | { kind: 'ended'; sessionId: string; userId: string }
  | { kind: 'valid'; session: ActiveSession };

/**
 * Logins (`auth_sessions`) and their refresh tokens. A refresh token is 256 random bits; only
 * its SHA-256 is stored, so a database leak does not hand out logins.
 */
@Injectable()
export class SessionsService {
  private readonly checks: SessionCheckCache<ActiveSession>;
  private readonly lookups = new Coalescer<Login, LiveLogin | undefined>(
    (logins) => this.lookUp(logins),
    200,
    2,
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: PgBus,
    registry: ConnectionRegistry,
    instances: InstanceRegistry,
  ) {
    this.checks = new SessionCheckCache(SESSION_CHECK_REUSE_MS, () => bus.hearing);
    bus.on('televisit_revocations', (payload) =>
      this.checks.forget(JSON.parse(payload) as AccessRevokedEvent),
    );
    instances.onBeat(() => Promise.resolve(this.checks.sweep()));
    // Revocations broadcast while the bus listener was away are lost: check the logins of
    // every socket here against the table instead.
    bus.onReconnect(async () => {
      this.checks.clear();
      const connections = registry.all();
      const live = new Set(
        await this.stillActive(connections.map((connection) => connection.caller.sessionId)),
      );
      for (const connection of connections) {
        if (!live.has(connection.caller.sessionId)) {
          registry.closeRevoked({
            userId: connection.userId,
            sessionId: connection.caller.sessionId,
          });
        }
      }
    });
  }

  async start(
    userId: string,
    manager: EntityManager,
  ): Promise<{ sessionId: string; refreshToken: string }> {
    const [{ id }] = await sql<{ id: string }>(
      manager,
      `INSERT INTO auth_sessions (user_id, expires_at)
       VALUES ($1, now() + make_interval(secs => $2)) RETURNING id`,
      [userId, this.config.refreshTokenTtlSeconds],
    );
    return { sessionId: id, refreshToken: await this.issueRefreshToken(id, manager) };
  }

  /**
   * A guest's login, good for one visit until `notAfter`; it has no refresh token (a guest
   * cannot log in again, they redeem no second invite).
   */
  async startGuest(
    userId: string,
    appointmentId: string,
    notAfter: Date,
    manager: EntityManager,
  ): Promise<string> {
    const [{ id }] = await sql<{ id: string }>(
      manager,
      `INSERT INTO auth_sessions (user_id, appointment_id, expires_at)
       VALUES ($1, $2, $3) RETURNING id`,
      [userId, appointmentId, notAfter],
    );
    return id;
  }

  /**
   * Ends guests' logins scoped to `appointmentId` (all of them, or only `userId`'s); their
   * sockets, on every instance, close when this commits.
   */
  async revokeGuests(
    appointmentId: string,
    reason: string,
    manager: EntityManager,
    userId?: string,
  ): Promise<void> {
    const rows = await sql<{ id: string; user_id: string }>(
      manager,
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE appointment_id = $1 AND revoked_at IS NULL AND ($3::uuid IS NULL OR user_id = $3)
        RETURNING id, user_id`,
      [appointmentId, reason, userId ?? null],
    );
    for (const row of rows) {
      await this.announce(manager, { userId: row.user_id, sessionId: row.id });
    }
  }

  /** Locks the token's row, so two concurrent uses of one token are seen as reuse. */
  async lookupRefreshToken(token: string, manager: EntityManager): Promise<RefreshLookup> {
    const [row] = await sql<{
      session_id: string;
      used_at: Date | null;
      user_id: string;
      role: UserRole;
      live: boolean;
    }>(
      manager,
      `SELECT rt.session_id, rt.used_at, s.user_id, u.role,
              (s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL) AS live
         FROM refresh_tokens rt
         JOIN auth_sessions s ON s.id = rt.session_id
         JOIN users u ON u.id = s.user_id
        WHERE rt.token_hash = $1
        FOR UPDATE OF rt`,
      [hashToken(token)],
    );
    if (!row) {
      return { kind: 'unknown' };
    }
    const ids = { sessionId: row.session_id, userId: row.user_id };
    if (!row.live) {
      return { kind: 'ended', ...ids };
    }
    if (row.used_at) {
      return { kind: 'reused', ...ids };
    }
    return { kind: 'valid', session: { ...ids, role: row.role } };
  }

  /** Marks `token` used and issues its successor; the login's lifetime slides forward. */
  async rotate(token: string, sessionId: string, manager: EntityManager): Promise<string> {
    await manager.query(`UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1`, [
      hashToken(token),
    ]);
    await manager.query(
      `UPDATE auth_sessions SET expires_at = now() + make_interval(secs => $2) WHERE id = $1`,
      [sessionId, this.config.refreshTokenTtlSeconds],
    );
    return this.issueRefreshToken(sessionId, manager);
  }

  /** Ends one login; its open sockets, on every instance, close when this commits. */
  async revoke(sessionId: string, reason: string, manager: EntityManager): Promise<void> {
    const rows = await sql<{ user_id: string }>(
      manager,
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2
        WHERE id = $1 AND revoked_at IS NULL RETURNING user_id`,
      [sessionId, reason],
    );
    for (const { user_id: userId } of rows) {
      await this.announce(manager, { userId, sessionId });
    }
  }

  /**
   * The login behind an access token, if it is still live and its user still enabled. A recent
   * answer is reused (see `SessionCheckCache`).
   */
  findActive(sessionId: string, userId: string): Promise<ActiveSession | undefined> {
    return this.checks.check(sessionId, userId, () => this.lookups.add({ sessionId, userId }));
  }

  /** One query for every login checked meanwhile (a clinic opening, a proxy restarting). */
  private async lookUp(logins: Login[]): Promise<BatchOutcome<LiveLogin | undefined>[]> {
    const rows = await sql<{
      id: string;
      user_id: string;
      role: UserRole;
      expires_at: Date;
      appointment_id: string | null;
    }>(
      this.dataSource.manager,
      `SELECT s.id, s.user_id, u.role, s.expires_at, s.appointment_id
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.disabled_at IS NULL`,
      [[...new Set(logins.map((login) => login.sessionId))]],
    );
    const live = new Map(rows.map((row) => [row.id, row]));
    return logins.map(({ sessionId, userId }) => {
      const row = live.get(sessionId);
      return {
        ok: true,
        value:
          row && row.user_id === userId
            ? { session: sessionOf(row), notAfter: row.expires_at.getTime() }
            : undefined,
      };
    });
  }

  /** Which of these logins are still live, with their users enabled. */
  async stillActive(sessionIds: string[]): Promise<string[]> {
    const rows = await sql<{ id: string }>(
      this.dataSource.manager,
      `SELECT s.id FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.disabled_at IS NULL`,
      [[...new Set(sessionIds)]],
    );
    return rows.map((row) => row.id);
  }

  @OnEvent(USER_DISABLED, { promisify: true })
  async revokeAllOfUser(event: UserDisabledEvent): Promise<void> {
    await event.manager.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'user_disabled'
        WHERE user_id = $1 AND revoked_at IS NULL`,
      [event.userId],
    );
    await this.announce(event.manager, { userId: event.userId });
  }

  /** Inside the revoking transaction: stops reusing checks now, and tells every instance. */
  private announce(manager: EntityManager, event: AccessRevokedEvent): Promise<void> {
    this.checks.revoking(event);
    return this.bus.publish(manager, 'televisit_revocations', JSON.stringify(event));
  }

  private async issueRefreshToken(sessionId: string, manager: EntityManager): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await manager.query(`INSERT INTO refresh_tokens (token_hash, session_id) VALUES ($1, $2)`, [
      hashToken(token),
      sessionId,
    ]);
    return token;
  }
}

function sessionOf(row: {
  id: string;
  user_id: string;
  role: UserRole;
  appointment_id: string | null;
}): ActiveSession {
  const session: ActiveSession = { sessionId: row.id, userId: row.user_id, role: row.role };
  if (row.appointment_id) {
    session.visitId = row.appointment_id;
  }
  return session;
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
