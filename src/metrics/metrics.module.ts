import { Global, Module } from '@nestjs/common';
import { DatabasePoolMetrics } from './database-pool.metrics';
import { createMetricsRegistry, METRICS_REGISTRY } from './metrics-registry';
import { MetricsServer } from './metrics-server';

/**
 * The registry each domain's instruments join (sockets in realtime/, visits in signaling/,
 * deliveries in notifications/), and the server that exposes it.
 */
@Global()
@Module({
  providers: [
    { provide: METRICS_REGISTRY, useFactory: createMetricsRegistry },
    DatabasePoolMetrics,
    MetricsServer,
  ],
  exports: [METRICS_REGISTRY],
})
export class MetricsModule {}
