import { Inject, Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';

/** How late reminders go out: the scheduler's poll interval, plus any backlog. */
@Injectable()
export class ReminderMetrics {
  private readonly lateness: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.lateness = new Histogram({
      name: 'televisit_reminder_lateness_seconds',
      help: 'From when a reminder was due until it was sent',
      buckets: [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 300, 900],
      registers: [registry],
    });
  }

  sentLate(seconds: number): void {
    this.lateness.observe(Math.max(0, seconds));
  }
}
