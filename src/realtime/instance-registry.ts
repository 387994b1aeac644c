import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { DatabaseOutage } from '../database/database-outage';
import { sql } from '../database/sql';
import { InstanceIdentity } from './instance-identity';

/**
 * Releases what dead instances held, inside the transaction that removes them; may return work
 * to do once that transaction has committed (telling clients).
 */
/**
 * The phases of releasing instances, in the order they run (one transaction): whatever locks
 * visit rooms comes before whatever locks users, the order every other transaction takes them in.
 */
export const RELEASE_PHASES = ['visit-rooms', 'users'] as const;
export type ReleasePhase = (typeof RELEASE_PHASES)[number];

export type ReleaseHandler = (
  manager: EntityManager,
  instanceIds: string[],
) => Promise<(() => void) | void>;

/**
 * How many heartbeat intervals this instance's own beats must have been succeeding before it
 * may declare another instance dead: one for the others to beat after the outage, and a half
 * more for a beat that was already waiting on a stuck connection.
 */
const JUDGE_AFTER_BEATS = 1.5;

/** Mailbox rows older than this are swept (a listener gap longer than this loses them). */
export const MESSAGE_RETENTION_MS = 5 * 60_000;

/**
 * Who is running. Each instance keeps a row with a heartbeat; on every beat it also looks for
 * instances that stopped beating (killed, partitioned) and releases what they held: their
 * sockets (their users go offline) and their visit seats (peers see `peer-reconnecting`).
 * An instance that finds itself declared dead was cut off too long: it closes its sockets so
 * their clients reconnect and are counted again, then registers anew.
 *
 * A database outage is not an instance death. An instance judges the others only once its own
 * heartbeat has been written again and stayed written for a while (`JUDGE_AFTER_BEATS` of its
 * intervals): after an outage that every instance lived through, each of them has then had a
 * full interval to write its own, and none is found stale. An instance cut off alone stops
 * beating while the others go on, and is released as before.
 */
@Injectable()
export class InstanceRegistry implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InstanceRegistry.name);
  private readonly releaseHandlers: { handler: ReleaseHandler; phase: ReleasePhase }[] = [];
  private readonly evictedHandlers: (() => void)[] = [];
  private readonly beatHandlers: (() => Promise<void>)[] = [];
  private mailboxProgress: () => Record<string, number> = () => ({});
  private heartbeat: NodeJS.Timeout | undefined;
  private maintenance: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private maintaining: Promise<void> = Promise.resolve();
  /** Since when (this process's clock) every heartbeat has been written; undefined after a failure. */
  private beatingSince: number | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instance: InstanceIdentity,
    private readonly outage: DatabaseOutage,
  ) {}

  get id(): string {
    return this.instance.id;
  }

  /**
   * What to release when instances die (and when this one stops). Handlers run by
   * `RELEASE_PHASES`, all in one transaction.
   */
  onRelease(phase: ReleasePhase, handler: ReleaseHandler): void {
    const rank = (p: ReleasePhase) => RELEASE_PHASES.indexOf(p);
    this.releaseHandlers.push({ handler, phase });
    this.releaseHandlers.sort((a, b) => rank(a.phase) - rank(b.phase));
  }

  /** What to drop when this instance learns the others declared it dead. */
  onEvicted(handler: () => void): void {
    this.evictedHandlers.push(handler);
  }

  /**
   * How far this instance has handled its mailbox (the last id from each sender), written with
   * every heartbeat: once it is dead, what lies past that is what it may never have handled.
   */
  reportMailboxProgress(progress: () => Record<string, number>): void {
    this.mailboxProgress = progress;
  }

  /** Periodic work (sweeps, liveness checks), run every heartbeat interval apart from it. */
  onBeat(handler: () => Promise<void>): void {
    this.beatHandlers.push(handler);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.register();
    // The heartbeat has its timer to itself, so slow maintenance never makes it late.
    const every = this.config.instances.heartbeatMs;
    this.heartbeat = setInterval(() => {
      this.beating = this.beating.then(() => this.beat());
    }, every);
    this.maintenance = setInterval(() => {
      this.maintaining = this.maintaining.then(() => this.maintain());
    }, every);
    this.heartbeat.unref();
    this.maintenance.unref();
  }

  /** A graceful stop releases this instance's seats and sockets at once. */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.maintenance);
    await Promise.all([this.beating, this.maintaining]);
    await this.release([this.id]).catch((error: unknown) =>
      this.logger.warn({ err: error }, 'Could not deregister this instance'),
    );
  }

  /** Proves this instance alive; rejoins if the others had declared it dead. */
  async beat(): Promise<void> {
    try {
      const alive = await sql<{ id: string }>(
        this.dataSource.manager,
        `UPDATE instances SET heartbeat_at = now(), mailbox_handled = $2
          WHERE id = $1 RETURNING id`,
        [this.id, JSON.stringify(this.mailboxProgress())],
      );
      if (alive.length === 0) {
        this.logger.warn('This instance was declared dead by the others; rejoining');
        this.evictedHandlers.forEach((handler) => handler());
        await this.register();
      }
      this.beatingSince ??= Date.now();
    } catch (error) {
      // This instance stops judging the others until its own beats are written again.
      this.beatingSince = undefined;
      this.failed(error, 'Instance heartbeat failed');
    }
  }

  /** Releases instances that stopped beating, sweeps old mailbox rows, runs the beat handlers. */
  async maintain(): Promise<void> {
    try {
      await this.releaseDead();
      await sql(
        this.dataSource.manager,
        `DELETE FROM instance_messages
          WHERE sent_at < now() - make_interval(secs => ${MESSAGE_RETENTION_MS / 1000})`,
      );
    } catch (error) {
      this.failed(error, 'Releasing dead instances failed');
    }
    for (const handler of this.beatHandlers) {
      await handler().catch((error: unknown) =>
        this.failed(error, 'Periodic instance work failed'),
      );
    }
  }

  private async register(): Promise<void> {
    await sql(
      this.dataSource.manager,
      `INSERT INTO instances (id) VALUES ($1)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.id],
    );
    this.beatingSince = Date.now();
  }

  /** A failure for want of the database is part of an outage, logged once elsewhere. */
  private failed(error: unknown, message: string): void {
    if (this.outage.report(error)) {
      this.logger.debug({ err: error }, message);
    } else {
      this.logger.warn({ err: error }, message);
    }
  }

  /** Whether this instance has been beating long enough to tell a dead instance from an outage. */
  private mayJudgeOthers(): boolean {
    const judgeAfter = JUDGE_AFTER_BEATS * this.config.instances.heartbeatMs;
    return this.beatingSince !== undefined && Date.now() - this.beatingSince >= judgeAfter;
  }

  private async releaseDead(): Promise<void> {
    if (!this.mayJudgeOthers()) {
      return;
    }
    const after = await this.dataSource.transaction(async (manager) => {
      // Several instances may look at once; each dead row is released by exactly one.
      const dead = await sql<{ id: string }>(
        manager,
        `SELECT id FROM instances
          WHERE heartbeat_at < now() - make_interval(secs => $1::float8 / 1000)
            FOR NO KEY UPDATE SKIP LOCKED`,
        [this.config.instances.deadAfterMs],
      );
      if (dead.length === 0) {
        return [];
      }
      const ids = dead.map((row) => row.id);
      this.logger.warn({ instances: ids }, 'Instances stopped beating; releasing their users');
      return this.releaseWithin(manager, ids);
    });
    after.forEach((run) => run());
  }

  private async release(ids: string[]): Promise<void> {
    const after = await this.dataSource.transaction((manager) => this.releaseWithin(manager, ids));
    after.forEach((run) => run());
  }

  private async releaseWithin(manager: EntityManager, ids: string[]): Promise<(() => void)[]> {
    const after: (() => void)[] = [];
    for (const { handler } of this.releaseHandlers) {
      const then = await handler(manager, ids);
      if (then) {
        after.push(then);
      }
    }
    await sql(manager, 'DELETE FROM instances WHERE id = ANY($1)', [ids]);
    return after;
  }
}
