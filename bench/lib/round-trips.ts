import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from './stats';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Closed-loop measuring windows: round trips are recorded as they come back, and counted only
 * inside a window; each window follows a warm-up.
 */
export class RoundTripWindows {
  private measuring = false;
  private latencies: number[] = [];

  record(latencyMs: number): void {
    if (this.measuring) {
      this.latencies.push(latencyMs);
    }
  }

  async measure(runs: number, warmupMs: number, windowMs: number) {
    const results = [];
    for (let run = 0; run < runs; run++) {
      await sleep(warmupMs);
      this.latencies = [];
      this.measuring = true;
      const started = performance.now();
      await sleep(windowMs);
      this.measuring = false;
      const seconds = (performance.now() - started) / 1000;
      const sorted = sortNumbers(this.latencies);
      results.push({
        roundTripsPerSecond: sorted.length / seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
      });
    }
    return results;
  }
}
