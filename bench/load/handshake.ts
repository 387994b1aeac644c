/** Socket handshakes: open (and close) `count` sockets, `concurrency` at a time. */
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from '../lib/stats';
import { inBatches, input, LoadSocket, wsUrl } from './ws-client';

interface Input {
  url: string;
  path: string;
  tokens: string[];
  count: number;
  concurrency: number;
  runs: number;
}

const config = input<Input>();

async function once(count: number) {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  await inBatches(
    Array.from({ length: count }, (_, i) => i),
    config.concurrency,
    async (i) => {
      const t = performance.now();
      try {
        const socket = await LoadSocket.open(wsUrl(config.url, config.path), {
          token: config.tokens.length ? config.tokens[i % config.tokens.length] : undefined,
        });
        latencies.push(performance.now() - t);
        socket.ws.close();
      } catch {
        failed += 1;
      }
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const sorted = sortNumbers(latencies);
  return {
    connectsPerSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    failed,
  };
}

async function main() {
  await once(Math.min(200, config.count)); // warm-up
  const runs = [];
  for (let run = 0; run < config.runs; run++) {
    runs.push(await once(config.count));
  }
  process.stdout.write(`${JSON.stringify({ runs })}\n`);
  process.exit(0);
}

void main();
