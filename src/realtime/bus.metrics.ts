import { Inject, Injectable } from '@nestjs/common';
import { Histogram, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';

/** The bus between instances, as Prometheus sees it. */
@Injectable()
export class BusMetrics {
  private readonly lag: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.lag = new Histogram({
      name: 'televisit_bus_lag_seconds',
      help: 'From a NOTIFY this instance sent to its own channel until its listener heard it',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  }

  heardAfter(seconds: number): void {
    this.lag.observe(seconds);
  }
}
