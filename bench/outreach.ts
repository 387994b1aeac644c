/**
 * Reaching people who are not connected: a booking's Web Push, end to end, to a push service
 * of the bench's own (it checks VAPID and decrypts, as the tests' does), and what writing the
 * delivery outbox costs the booking rate, against an instance that writes none, in one run.
 */
import { performance } from 'node:perf_hooks';
import type { Client } from 'pg';
import webpush from 'web-push';
import { PushService } from '../test/support/push-service';
import { BenchUser, bookingRequests, seedUsers } from './lib/fixtures';
import { runLoad, Server, sleep } from './lib/processes';
import type { Row } from './lib/report';
import { percentile, sortNumbers, spread } from './lib/stats';

export interface OutreachBench {
  db: Client;
  secret: string;
  startTelevisit(name: string, extra?: Record<string, string>): Promise<Server>;
  add(row: Omit<Row, 'ratio' | 'met'>, goal?: (ratio: number, value: number) => boolean): void;
  rounds: number;
  warmupMs: number;
  windowMs: number;
  /** Bookings in each latency round (at RATE per second). */
  latencyBookings: number;
}

const RATE = 50;
const CONNECTIONS = 16;

/** Clinicians with a push subscription each at `push`, written straight to the database. */
async function subscribed(db: Client, secret: string, push: PushService, count: number) {
  const clinicians = await seedUsers(db, secret, 'clinician', count);
  const subscriptions = clinicians.map(() => push.subscribe());
  await db.query(
    `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])`,
    [
      clinicians.map((c) => c.id),
      subscriptions.map((s) => s.endpoint),
      subscriptions.map((s) => s.keys.p256dh),
      subscriptions.map((s) => s.keys.auth),
    ],
  );
  return clinicians.map((clinician, i) => ({
    clinician,
    path: new URL(subscriptions[i].endpoint).pathname,
  }));
}

/** One round: RATE bookings per second, each to its own offline clinician; ms until pushed. */
async function latencyRound(b: OutreachBench, server: Server, push: PushService) {
  const n = b.latencyBookings;
  const patients = await seedUsers(b.db, b.secret, 'patient', n);
  const targets = await subscribed(b.db, b.secret, push, n);
  const sentAt = new Map<string, number>();
  const start = performance.now() + 100;
  // On a half hour: on the clinicians' slot grid.
  const startsAt = Math.ceil((Date.now() + 3 * 24 * 3600_000) / 1_800_000) * 1_800_000;
  let refused = 0;
  const answered: number[] = [];
  await Promise.all(
    targets.map(async ({ clinician, path }, i) => {
      await sleep(Math.max(0, start + (i * 1000) / RATE - performance.now()));
      sentAt.set(path, performance.now());
      const res = await fetch(`${server.url}/api/appointments`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${patients[i].token}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          clinicianId: clinician.id,
          startsAt: new Date(startsAt).toISOString(),
          endsAt: new Date(startsAt + 30 * 60_000).toISOString(),
        }),
      });
      await res.arrayBuffer();
      answered.push(performance.now() - (sentAt.get(path) ?? 0));
      refused += res.status === 201 ? 0 : 1;
    }),
  );
  const paths = new Set(targets.map((t) => t.path));
  const deadline = performance.now() + 30_000;
  const arrived = () => push.received.filter((r) => paths.has(r.path));
  while (arrived().length < n - refused && performance.now() < deadline) {
    await sleep(50);
  }
  const latencies = sortNumbers(arrived().map((r) => r.at - (sentAt.get(r.path) ?? r.at)));
  return {
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    /** The booking's own answer: what the push cannot beat. */
    bookingP99Ms: percentile(sortNumbers(answered), 99),
    lost: n - refused - latencies.length,
    refused,
  };
}

function bookings(patients: BenchUser[], clinicians: BenchUser[], perConnection: number) {
  return bookingRequests(patients, clinicians, perConnection, Date.now() + 4 * 24 * 3600_000);
}

export async function outreachScenarios(b: OutreachBench): Promise<void> {
  const vapid = webpush.generateVAPIDKeys();
  const push = await PushService.start();
  const withOutbox = await b.startTelevisit('televisit-outreach', {
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:bench@televisit.example',
    DELIVERY_POLL_INTERVAL_MS: '1000',
  });
  // Production without VAPID keys or SMTP: no channel to send on, so no delivery jobs written.
  const without = await b.startTelevisit('televisit-no-outbox', {});
  try {
    const latency = [];
    for (let round = 0; round < b.rounds; round++) {
      latency.push(await latencyRound(b, withOutbox, push));
    }
    const scenario = `booking → Web Push received, ${RATE} bookings/s, no socket open`;
    b.add(
      {
        scenario,
        measure: 'p99 booking sent → push received',
        unit: 'ms',
        televisit: spread(latency.map((r) => r.p99Ms)),
        goal: '< 500 ms',
        note: `p50 ${spread(latency.map((r) => r.p50Ms)).median.toFixed(0)} ms; the booking's own answer p99 ${spread(latency.map((r) => r.bookingP99Ms)).median.toFixed(0)} ms; ${b.latencyBookings} bookings a round; lost ${latency.reduce((s, r) => s + r.lost, 0)}, refused ${latency.reduce((s, r) => s + r.refused, 0)}`,
      },
      (_ratio, value) => value < 500,
    );

    type Run = { requestsPerSecond: number; p99Ms: number; statuses: Record<string, number> };
    const closedLoop = async (server: Server, requests: unknown[][]) =>
      (
        await runLoad<{ runs: Run[] }>('bench/load/http.ts', {
          url: server.url,
          requests,
          warmupMs: b.warmupMs,
          windowMs: b.windowMs,
          runs: 1,
        })
      ).runs[0];
    const perConnection = 2000;
    const ours = bookings(
      await seedUsers(b.db, b.secret, 'patient', CONNECTIONS),
      await seedUsers(b.db, b.secret, 'clinician', CONNECTIONS),
      perConnection,
    );
    const theirs = bookings(
      await seedUsers(b.db, b.secret, 'patient', CONNECTIONS),
      await seedUsers(b.db, b.secret, 'clinician', CONNECTIONS),
      perConnection,
    );
    const outboxRuns: Run[] = [];
    const plainRuns: Run[] = [];
    for (let round = 0; round < b.rounds; round++) {
      // Each round books the next slots of each connection's list.
      const offset = (list: unknown[][]) => list.map((l) => l.slice(round * 300));
      outboxRuns.push(await closedLoop(withOutbox, offset(ours)));
      plainRuns.push(await closedLoop(without, offset(theirs)));
    }
    const rateScenario = `REST: book an appointment, ${CONNECTIONS} connections, with the delivery outbox`;
    b.add(
      {
        scenario: rateScenario,
        measure: 'requests/s',
        unit: '1/s',
        televisit: spread(outboxRuns.map((r) => r.requestsPerSecond)),
        baseline: {
          name: 'no outbox (push and email off)',
          value: spread(plainRuns.map((r) => r.requestsPerSecond)),
        },
        goal: '≥ 0.9× without',
        note: `statuses ${JSON.stringify(outboxRuns[outboxRuns.length - 1].statuses)} / ${JSON.stringify(plainRuns[plainRuns.length - 1].statuses)}`,
      },
      (ratio) => ratio >= 0.9,
    );
  } finally {
    await withOutbox.stop();
    await without.stop();
    await push.close();
  }
}
