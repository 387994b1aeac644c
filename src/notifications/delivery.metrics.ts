import { Inject, Injectable } from '@nestjs/common';
import { Counter, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';

export type DeliveryChannel = 'socket' | 'push' | 'email';
export type DeliveryOutcome = 'sent' | 'failed' | 'held' | 'skipped';

/** Notifications delivered, by channel and outcome (a socket push counts once per socket). */
@Injectable()
export class DeliveryMetrics {
  private readonly deliveries: Counter<'channel' | 'outcome'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.deliveries = new Counter({
      name: 'televisit_notification_deliveries_total',
      help: 'Notification deliveries, by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers: [registry],
    });
  }

  delivered(channel: DeliveryChannel, outcome: DeliveryOutcome, count = 1): void {
    this.deliveries.inc({ channel, outcome }, count);
  }
}
