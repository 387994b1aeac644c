import { randomUUID } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { PgBus } from '../realtime/pg-bus';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliverOne } from './deliver-one';
import { OutboxService } from './outbox.service';

const BATCH = 50;
/** Sends in flight at once per instance. */
const PARALLEL = 10;
/**
 * A claim is this worker's for this long. It must outlast any one send (their timeouts are
 * 15 to 20 s), or another worker could take a job whose send is still under way.
 */
export const LEASE_MS = 60_000;

/**
 * Works off the delivery outbox: on every committed notification (the bus announces it) and
 * every DELIVERY_POLL_INTERVAL_MS, claims due jobs with SKIP LOCKED, so each instance takes
 * different ones, and hands each to DeliverOne.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  /** Who holds a lease: this process, for as long as it runs. */
  readonly id = randomUUID();
  private readonly logger = new Logger(DeliveryWorker.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Sends in doubt are settled on the timer's passes, not on every announcement's. */
  private settleDue = true;

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly deliverOne: DeliverOne,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: PgBus,
    private readonly outbox: OutboxService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.outreach.pollIntervalMs === 0 || this.outbox.sendable().length === 0) {
      return;
    }
    this.bus.on('televisit_notifications', () => this.kick());
    this.timer = setInterval(() => {
      this.settleDue = true;
      this.kick();
    }, this.config.outreach.pollIntervalMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Runs a pass now, or right after the one under way (announcements arrive in bursts). */
  kick(): void {
    if (this.stopped) {
      return;
    }
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce()
      .then(() => undefined)
      .catch((error: unknown) => this.logger.error({ err: error }, 'Delivery pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Everything due now; returns how many jobs it handled. */
  async runOnce(): Promise<number> {
    if (this.settleDue || this.config.outreach.pollIntervalMs === 0) {
      this.settleDue = false;
      await this.deliveries.settleInDoubt();
    }
    let handled = 0;
    for (let claimed = BATCH; claimed === BATCH && !this.stopped;) {
      const jobs = await this.deliveries.claim(this.id, this.outbox.sendable(), BATCH, LEASE_MS);
      claimed = jobs.length;
      // PARALLEL lanes, each taking the next job as soon as its last one is done, so one slow
      // peer holds up only its own lane.
      let next = 0;
      const lane = async () => {
        for (let job = jobs[next++]; job; job = jobs[next++]) {
          await this.deliverOne.run(job, this.id).catch((error: unknown) => {
            // The lease runs out and the job is taken again (or settled if its send began).
            this.logger.error({ err: error, channel: job.channel }, 'Delivery failed');
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(PARALLEL, jobs.length) }, lane));
      handled += jobs.length;
    }
    return handled;
  }
}
