import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The registry every module's instruments join (`registers: [registry]`), injected by this
 * token; prom-client's global registry is not used, so two apps in one process (the tests)
 * never share counters.
 */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** A registry with prom-client's default process and Node metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}
