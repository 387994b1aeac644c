import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { METRICS_REGISTRY } from './metrics-registry';

/** What pg's pool reports of itself. */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The database pool as a scrape finds it: connections busy and idle, and requests waiting. */
@Injectable()
export class DatabasePoolMetrics {
  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(METRICS_REGISTRY) registry: Registry,
  ) {
    const pool = () => (dataSource.driver as unknown as { master?: PoolCounts }).master;
    new Gauge({
      name: 'televisit_db_pool_connections',
      help: 'Connections in this instance’s database pool, by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = pool();
        this.set({ state: 'in_use' }, counts ? counts.totalCount - counts.idleCount : 0);
        this.set({ state: 'idle' }, counts?.idleCount ?? 0);
      },
    });
    new Gauge({
      name: 'televisit_db_pool_waiting_requests',
      help: 'Requests waiting for a database connection',
      registers: [registry],
      collect() {
        this.set(pool()?.waitingCount ?? 0);
      },
    });
  }
}
