import { Inject, Injectable } from '@nestjs/common';
import { Counter, Gauge, Registry } from 'prom-client';
import { METRICS_REGISTRY } from '../metrics/metrics-registry';
import { ConnectionRegistry } from './connection-registry';

/** Client sockets, as Prometheus sees them. No label names a person. */
@Injectable()
export class SocketMetrics {
  private readonly refused: Counter<'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry, connections: ConnectionRegistry) {
    new Gauge({
      name: 'televisit_sockets_open',
      help: 'Client sockets open on this instance',
      registers: [registry],
      collect() {
        this.set(connections.size);
      },
    });
    this.refused = new Counter({
      name: 'televisit_socket_upgrades_refused_total',
      help: 'Socket upgrades refused, by the error code the client got',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  upgradeRefused(code: string): void {
    this.refused.inc({ reason: code });
  }
}
