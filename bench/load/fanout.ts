/**
 * Notification fan-out: clinicians hold sockets; patients book with them at a fixed rate (open
 * loop); the latency is from sending the booking to its `notification` frame arriving at the
 * clinician's socket.
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from '../lib/stats';
import { inBatches, input, LoadSocket, wsUrl } from './ws-client';

interface Input {
  url: string;
  /** Patient i books clinician i, slot after slot. */
  pairs: { patientToken: string; clinicianId: string; clinicianToken: string }[];
  perSecond: number;
  windowMs: number;
  /** First slot start (ms since epoch) and the step between a pair's slots. */
  firstSlotAt: number;
  slotMs: number;
}

const config = input<Input>();
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const url = new URL(config.url);

function book(body: string, token: string): Promise<number> {
  return new Promise((resolve) => {
    const r = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/api/appointments',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    r.on('error', () => resolve(0));
    r.end(body);
  });
}

async function main() {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  await inBatches(config.pairs, 50, async (pair) => {
    const socket = await LoadSocket.open(wsUrl(config.url, '/ws'), { token: pair.clinicianToken });
    socket.onFrame = (frame) => {
      if (frame.event === 'notification' && frame.data.type === 'appointment.created') {
        const key = `${pair.clinicianId}|${frame.data.data.startsAt as string}`;
        const t = sentAt.get(key);
        if (t !== undefined) {
          latencies.push(performance.now() - t);
          sentAt.delete(key);
        }
      }
    };
  });
  const total = Math.round((config.perSecond * config.windowMs) / 1000);
  const statuses: Record<string, number> = {};
  const pending: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    // Open loop: request i leaves at its scheduled time, whatever the earlier ones are doing.
    const due = started + (i * 1000) / config.perSecond;
    const wait = due - performance.now();
    if (wait > 1) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const pair = config.pairs[i % config.pairs.length];
    const slot = Math.floor(i / config.pairs.length);
    const startsAt = new Date(config.firstSlotAt + slot * config.slotMs).toISOString();
    const endsAt = new Date(config.firstSlotAt + slot * config.slotMs + 15 * 60_000).toISOString();
    const key = `${pair.clinicianId}|${startsAt}`;
    sentAt.set(key, performance.now());
    pending.push(
      book(
        JSON.stringify({ clinicianId: pair.clinicianId, startsAt, endsAt }),
        pair.patientToken,
      ).then((status) => {
        statuses[status] = (statuses[status] ?? 0) + 1;
      }),
    );
  }
  await Promise.all(pending);
  const achieved = total / ((performance.now() - started) / 1000);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the last pushes
  const sorted = sortNumbers(latencies);
  process.stdout.write(
    `${JSON.stringify({
      sent: total,
      pushed: latencies.length,
      achievedPerSecond: achieved,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      statuses,
    })}\n`,
  );
  process.exit(0);
}

void main();
