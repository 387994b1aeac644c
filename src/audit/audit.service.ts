import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Caller, RequestOrigin } from '../auth/caller';
import { AppError } from '../common/app-error';
import { decodeCursor, Page, toPage } from '../common/pagination';
import { AuditEntry, AuditOutcome } from './audit-entry.entity';

export interface AuditRecord {
  actorId: string | null;
  action: string;
  outcome: AuditOutcome;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
  origin: RequestOrigin;
}

/** Writes the append-only audit log, inside the caller's transaction when given one. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records that `caller` was refused `action` on an appointment (so probing shows), with the
   * refusal's code. Written on its own, after the refused work's transaction rolled back; if
   * it cannot be written the refusal is still answered (and the failure logged).
   */
  async denied(
    caller: Caller,
    action: string,
    appointmentId: string,
    refusal: AppError,
  ): Promise<void> {
    await this.record({
      actorId: caller.userId,
      action,
      outcome: 'denied',
      target: { type: 'appointment', id: appointmentId },
      details: { code: refusal.code },
      origin: caller,
    }).catch((error: unknown) =>
      this.logger.warn({ err: error, action }, 'Could not audit a refusal'),
    );
  }

  async record(
    entry: AuditRecord,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO audit_log (actor_id, action, target_type, target_id, outcome, ip, request_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        entry.actorId,
        entry.action,
        entry.target?.type ?? null,
        entry.target?.id ?? null,
        entry.outcome,
        entry.origin.ip,
        entry.origin.requestId,
        JSON.stringify(entry.details ?? {}),
      ],
    );
  }

  /**
   * How many failed attempts at `action` were recorded since `since` for one email, one
   * address, or one email from one address, and when the oldest of them was (to tell a
   * throttled client when to retry).
   */
  recentFailures(
    action: string,
    since: Date,
    key: { email: string; ip?: string } | { ip: string },
  ): Promise<{ count: number; oldestAt: Date | null }> {
    return this.recentCount(action, ['failure'], since, key);
  }

  /** The same count for other outcomes (e.g. registrations from one address). */
  async recentCount(
    action: string,
    outcomes: AuditOutcome[],
    since: Date,
    key: { email?: string; ip?: string },
  ): Promise<{ count: number; oldestAt: Date | null }> {
    const conditions: string[] = [];
    const params: unknown[] = [action, outcomes, since];
    if (key.email !== undefined) {
      params.push(key.email);
      conditions.push(`details ->> 'email' = $${params.length}`);
    }
    if (key.ip !== undefined) {
      params.push(key.ip);
      conditions.push(`ip = $${params.length}`);
    }
    const [row] = await this.dataSource.query<{ count: number; oldestAt: Date | null }[]>(
      `SELECT count(*)::int AS count, min(at) AS "oldestAt" FROM audit_log
        WHERE action = $1 AND outcome = ANY($2) AND at > $3 AND ${conditions.join(' AND ') || 'true'}`,
      params,
    );
    return row;
  }

  /** Newest first. */
  async list(
    filter: { actorId?: string; targetId?: string },
    cursor: string | undefined,
    limit: number,
  ): Promise<Page<AuditEntry>> {
    const query = this.dataSource
      .getRepository(AuditEntry)
      .createQueryBuilder('a')
      .orderBy('a.id', 'DESC')
      .limit(limit + 1);
    if (filter.actorId) {
      query.andWhere('a.actorId = :actorId', { actorId: filter.actorId });
    }
    if (filter.targetId) {
      query.andWhere('a.targetId = :targetId', { targetId: filter.targetId });
    }
    if (cursor) {
      const { id } = decodeCursor(cursor, { id: 'bigint' });
      query.andWhere('a.id < :id', { id });
    }
    return toPage(await query.getMany(), limit, (last) => ({ id: last.id }));
  }
}
