/**
 * HTTP closed loop: `connections` keep-alive connections each sending the next request as soon
 * as the previous one is answered. Requests come from a fixed list, cycled per connection.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from '../lib/stats';
import { input } from './ws-client';

interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

interface Input {
  url: string;
  /** One request list per connection, cycled (a booking never repeats its slot). */
  requests: Req[][];
  warmupMs: number;
  windowMs: number;
  runs: number;
  /** Stop a connection when its list is used up instead of cycling. */
  once?: boolean;
}

const config = input<Input>();
const agent = new Agent({ keepAlive: true, maxSockets: config.requests.length });
const url = new URL(config.url);

function send(req: Req): Promise<number> {
  return new Promise((resolve) => {
    const r = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: {
          ...(req.body ? { 'content-type': 'application/json' } : {}),
          ...req.headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    r.on('error', () => resolve(0));
    r.end(req.body);
  });
}

async function main() {
  let measuring = false;
  let stopped = false;
  let latencies: number[] = [];
  let statuses: Record<string, number> = {};
  const loops = config.requests.map(async (list) => {
    for (let i = 0; !stopped; i++) {
      if (config.once && i >= list.length) {
        return;
      }
      const t = performance.now();
      const status = await send(list[i % list.length]);
      if (measuring) {
        latencies.push(performance.now() - t);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }
  });
  const runs = [];
  for (let run = 0; run < config.runs; run++) {
    await new Promise((resolve) => setTimeout(resolve, config.warmupMs));
    latencies = [];
    statuses = {};
    measuring = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, config.windowMs));
    measuring = false;
    const seconds = (performance.now() - started) / 1000;
    const sorted = sortNumbers(latencies);
    runs.push({
      requestsPerSecond: latencies.length / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      statuses,
    });
  }
  stopped = true;
  await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 5000))]);
  process.stdout.write(`${JSON.stringify({ runs })}\n`);
  process.exit(0);
}

void main();
