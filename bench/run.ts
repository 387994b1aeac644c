/**
 * `npm run bench [-- --quick]`: Televisit against bare baselines on this machine, in one run.
 * Every figure is the median (min–max) of several measured windows, each after a warm-up; each
 * scenario measures its baseline in the same invocation so the ratio holds on a noisy machine.
 * Loopback only; load generators run in their own processes. Writes bench/results/latest.json
 * and a dated Markdown report.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../test/support/free-port';
import { benchDatabase } from './lib/database';
import {
  BenchUser,
  BenchVisit,
  bookingRequests,
  seedDiary,
  seedUsers,
  seedVisits,
} from './lib/fixtures';
import { holdLoad, Probe, ROOT, runLoad, Server, sleep } from './lib/processes';
import { Row, table } from './lib/report';
import { outreachScenarios } from './outreach';
import { peerScenarios } from './peers';
import { slotScenarios } from './slots';
import { Spread, spread } from './lib/stats';

const quick = process.argv.includes('--quick');
/** `--profile`: Televisit runs with --cpu-prof; profiles land in bench/results/profiles. */
const profile = process.argv.includes('--profile');
/** `--only=relay,rest`: just the scenarios whose group is listed. */
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice(7)
  .split(',');
const wanted = (group: string) => !only || only.includes(group);
const P = quick
  ? {
      runs: 3,
      warmupMs: 500,
      windowMs: 2000,
      closedVisits: [100],
      realisticVisits: 300,
      handshakes: 1000,
      idle: [10_000],
      fanoutRates: [50, 500],
      fanoutWindowMs: 2000,
      dropRuns: 2,
    }
  : {
      runs: 5,
      warmupMs: 1500,
      windowMs: 4000,
      closedVisits: [100, 1000],
      realisticVisits: 1000,
      handshakes: 2000,
      // 25k sockets need 25k file descriptors in one process; this machine's hard limit is
      // 20,000 (not raisable here), so the larger run stops just under it.
      idle: [10_000, 19_000],
      fanoutRates: [50, 500],
      fanoutWindowMs: 5000,
      dropRuns: 3,
    };

const rows: Row[] = [];
/** Bookings per second in the closed-loop REST run, if it ran: the fan-out's ceiling. */
let bookingCapacity: number | undefined;
const idleWindowMs = quick ? 10_000 : 25_000;
/** Idle windows are long (a ping interval each): fewer of them, and one for the baseline. */
const idleRuns = quick ? 2 : 3;
const secret = randomBytes(32).toString('hex');
let databaseUrl = '';

function televisitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    JWT_SECRET: secret,
    // Closed loops send far faster than any client: the per-user frame limit is raised.
    WS_MAX_FRAMES_PER_SECOND: '100000',
    WS_BURST: '1000000',
    WS_MAX_SOCKETS_PER_USER: '1000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
    ...extra,
  };
}

async function startTelevisit(name: string, extra: Record<string, string> = {}) {
  return Server.start(
    name,
    'src/main.ts',
    televisitEnv(extra),
    async (s) => (await fetch(`${s.url}/health/ready`)).status === 200,
    await freePort(),
    profile ? ['--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', 'results', 'profiles')}`] : [],
  );
}

async function startBaseline(name: string, script: string, env: Record<string, string> = {}) {
  return Server.start(
    name,
    script,
    env,
    async (s) => {
      await fetch(s.url).catch((error: unknown) => {
        throw error;
      });
      return true;
    },
    await freePort(),
  );
}

function add(row: Omit<Row, 'ratio' | 'met'>, goal?: (ratio: number, value: number) => boolean) {
  const ratio = row.baseline ? row.televisit.median / row.baseline.value.median : undefined;
  const met = goal ? goal(ratio ?? NaN, row.televisit.median) : undefined;
  rows.push({ ...row, ratio, met });
  console.log(table([rows[rows.length - 1]]).split('\n')[2]);
}

const of = <T>(runs: T[], pick: (run: T) => number): Spread => spread(runs.map(pick));

/**
 * Runs each measurement once a round, in turn, for P.runs rounds: this machine's speed drifts
 * from minute to minute, and alternating slows (or speeds) both sides alike, so their ratio
 * holds where two back-to-back series could each catch a different phase.
 */
async function alternating<A, B>(ours: () => Promise<A>, baseline: () => Promise<B>) {
  const results: [A[], B[]] = [[], []];
  for (let round = 0; round < P.runs; round++) {
    results[0].push(await ours());
    results[1].push(await baseline());
  }
  return results;
}

interface DropRun {
  allToldMs: number;
  p50ToldMs: number;
  restCount: number;
  restMaxMs: number;
  allResumedMs: number;
  restMaxResumeMs: number;
  allLeftMs: number;
  restMaxExpiryMs: number;
}

interface RelayRun {
  roundTripsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Realistic pattern only. */
  lost?: number;
}

function relay(
  mode: 'televisit' | 'bare',
  patientUrl: string,
  clinicianUrl: string,
  visits: BenchVisit[],
  pattern: 'closed' | 'realistic',
) {
  return runLoad<{ runs: any[] }>('bench/load/relay.ts', {
    mode,
    patientUrl,
    clinicianUrl,
    pattern,
    visits: visits.map((v) => ({
      appointmentId: v.appointmentId,
      patientToken: v.patient.token,
      clinicianToken: v.clinician.token,
    })),
    warmupMs: pattern === 'realistic' ? Math.max(P.warmupMs, 1500) : P.warmupMs,
    windowMs: P.windowMs,
    runs: P.runs,
  });
}

async function main() {
  const started = Date.now();
  const database = await benchDatabase();
  databaseUrl = database.url;
  const servers: Server[] = [];
  try {
    const televisit = await startTelevisit('televisit');
    servers.push(televisit);
    const bareRelay = await startBaseline('bare ws relay', 'bench/baselines/ws-relay.ts');
    servers.push(bareRelay);
    const db = new Client({ connectionString: databaseUrl });
    db.on('error', () => undefined); // dropped with the database at the end
    await db.connect();

    // Signaling relay, closed loop.
    let local100: RelayRun[] = [];
    for (const size of wanted('relay') ? P.closedVisits : []) {
      const visits = await seedVisits(db, secret, size);
      const ours = (await relay('televisit', televisit.url, televisit.url, visits, 'closed'))
        .runs as RelayRun[];
      const bare = (await relay('bare', bareRelay.url, bareRelay.url, visits, 'closed'))
        .runs as RelayRun[];
      if (size === 100) {
        local100 = ours;
      }
      const scenario = `relay, closed loop, ${size} visits`;
      add(
        {
          scenario,
          measure: 'round trips/s',
          unit: '1/s',
          televisit: of(ours, (r) => r.roundTripsPerSecond),
          baseline: { name: 'bare ws', value: of(bare, (r) => r.roundTripsPerSecond) },
          goal: '≥ 0.7× bare',
        },
        (ratio) => ratio >= 0.7,
      );
      add({
        scenario,
        measure: 'p50 round trip',
        unit: 'ms',
        televisit: of(ours, (r) => r.p50Ms),
        baseline: { name: 'bare ws', value: of(bare, (r) => r.p50Ms) },
      });
      add(
        {
          scenario,
          measure: 'p99 round trip',
          unit: 'ms',
          televisit: of(ours, (r) => r.p99Ms),
          baseline: { name: 'bare ws', value: of(bare, (r) => r.p99Ms) },
          goal: '≤ 1.5× bare',
        },
        (ratio) => ratio <= 1.5,
      );
    }

    // Relay at a realistic fixed load.
    if (wanted('relay')) {
      const size = P.realisticVisits;
      const visits = await seedVisits(db, secret, size);
      const ours = (await relay('televisit', televisit.url, televisit.url, visits, 'realistic'))
        .runs;
      const bare = (await relay('bare', bareRelay.url, bareRelay.url, visits, 'realistic')).runs;
      const scenario = `relay, ${size} visits: 4 KB offer/answer, 20 candidates, then 1 frame/s`;
      add(
        {
          scenario,
          measure: 'p99 one-way',
          unit: 'ms',
          televisit: of(ours, (r) => r.p99Ms),
          baseline: { name: 'bare ws', value: of(bare, (r) => r.p99Ms) },
          goal: '≤ 10 ms',
        },
        (_ratio, value) => value <= 10,
      );
      add(
        {
          scenario,
          measure: 'lost + reordered frames',
          unit: 'frames',
          televisit: of(ours, (r) => r.lost + r.reordered),
          baseline: { name: 'bare ws', value: of(bare, (r) => r.lost + r.reordered) },
          goal: 'none',
          note: `${Math.round(of(ours, (r) => r.sent).median)} frames sent per window`,
        },
        (_ratio, value) => value === 0,
      );
    }

    // Every patient's socket cut at once, on an instance of its own with a short resume grace
    // (so the seats are given up within the run, not in some later scenario's window).
    if (wanted('drop')) {
      const graceSeconds = 3;
      const dropped = await startTelevisit('televisit-drop', {
        VISIT_RESUME_GRACE_SECONDS: String(graceSeconds),
      });
      servers.push(dropped);
      const size = P.realisticVisits;
      const runs: BenchVisit[][] = [];
      for (let i = 0; i < P.dropRuns; i++) {
        runs.push(await seedVisits(db, secret, size));
      }
      const drops = (
        await runLoad<{ runs: DropRun[] }>('bench/load/drop.ts', {
          url: dropped.url,
          graceMs: graceSeconds * 1000,
          runs: runs.map((visits) =>
            visits.map((v) => ({
              appointmentId: v.appointmentId,
              patientToken: v.patient.token,
              clinicianToken: v.clinician.token,
            })),
          ),
        })
      ).runs;
      await dropped.stop();
      const scenario = `${size} patients' sockets cut at once, mid-call, then all back`;
      add({
        scenario,
        measure: 'until every clinician is told (reconnecting)',
        unit: 'ms',
        televisit: of(drops, (r) => r.allToldMs),
        note: `p50 ${of(drops, (r) => r.p50ToldMs).median.toFixed(0)} ms`,
      });
      add({
        scenario,
        measure: 'longest REST list meanwhile',
        unit: 'ms',
        televisit: of(drops, (r) => r.restMaxMs),
        note: `one client's back-to-back requests: ${of(drops, (r) => r.restCount).median} answered while the peers were told`,
      });
      add({
        scenario,
        measure: 'all back at once: until every patient has resumed',
        unit: 'ms',
        televisit: of(drops, (r) => r.allResumedMs),
        note: 'each on a new socket (handshake, then session.join)',
      });
      add({
        scenario,
        measure: 'longest REST list meanwhile (resume)',
        unit: 'ms',
        televisit: of(drops, (r) => r.restMaxResumeMs),
      });
      add({
        scenario,
        measure: 'grace over: until every clinician is told (left)',
        unit: 'ms',
        televisit: of(drops, (r) => r.allLeftMs),
        note: `from the end of the ${graceSeconds} s grace`,
      });
      add({
        scenario,
        measure: 'longest REST list meanwhile (left)',
        unit: 'ms',
        televisit: of(drops, (r) => r.restMaxExpiryMs),
      });
    }

    // Cross-instance relay (two instances on one database) against the local relay.
    if (wanted('cross')) {
      const second = await startTelevisit('televisit-2');
      servers.push(second);
      const visits = await seedVisits(db, secret, 100);
      if (local100.length === 0) {
        const own = await seedVisits(db, secret, 100);
        local100 = (await relay('televisit', televisit.url, televisit.url, own, 'closed'))
          .runs as RelayRun[];
      }
      const across = (await relay('televisit', televisit.url, second.url, visits, 'closed'))
        .runs as RelayRun[];
      // One visit alone: the latency a crossing adds, without queueing behind other visits.
      const single = await seedVisits(db, secret, 2);
      const aloneHere = (
        await relay('televisit', televisit.url, televisit.url, single.slice(0, 1), 'closed')
      ).runs as RelayRun[];
      const aloneAcross = (
        await relay('televisit', televisit.url, second.url, single.slice(1), 'closed')
      ).runs as RelayRun[];
      await second.stop();
      const here = of(aloneHere, (r) => r.p50Ms);
      const acrossOne = of(aloneAcross, (r) => r.p50Ms);
      add({
        scenario: 'relay across two instances, one visit alone',
        measure: 'p50 round trip',
        unit: 'ms',
        televisit: acrossOne,
        baseline: { name: 'one instance', value: here },
        note: `a crossing adds ${((acrossOne.median - here.median) / 2).toFixed(2)} ms one way`,
      });
      const scenario = 'relay across two instances, closed loop, 100 visits';
      add({
        scenario,
        measure: 'round trips/s',
        unit: '1/s',
        televisit: of(across, (r) => r.roundTripsPerSecond),
        baseline: { name: 'one instance', value: of(local100, (r) => r.roundTripsPerSecond) },
      });
      add({
        scenario,
        measure: 'p50 round trip',
        unit: 'ms',
        televisit: of(across, (r) => r.p50Ms),
        baseline: { name: 'one instance', value: of(local100, (r) => r.p50Ms) },
        note: 'a round trip crosses the bus twice',
      });
    }

    // Socket handshake with token check.
    if (wanted('handshake')) {
      const users = await seedUsers(db, secret, 'patient', 1000);
      const input = { count: P.handshakes, concurrency: 50, runs: 1 };
      type Run = { connectsPerSecond: number; p99Ms: number; failed: number };
      const once = async (url: string, path: string, tokens: string[]) =>
        (await runLoad<{ runs: Run[] }>('bench/load/handshake.ts', { ...input, url, path, tokens }))
          .runs[0];
      const [ours, bare] = await alternating(
        () =>
          once(
            televisit.url,
            '/ws',
            users.map((u) => u.token),
          ),
        () => once(bareRelay.url, '/?room=handshake', []),
      );
      const scenario = 'socket handshake (token checked, socket counted)';
      add(
        {
          scenario,
          measure: 'connects/s',
          unit: '1/s',
          televisit: of(ours, (r) => r.connectsPerSecond),
          baseline: { name: 'bare ws', value: of(bare, (r) => r.connectsPerSecond) },
          goal: '≥ 0.5× bare',
        },
        (ratio) => ratio >= 0.5,
      );
      add({
        scenario,
        measure: 'p99 connect',
        unit: 'ms',
        televisit: of(ours, (r) => r.p99Ms),
        baseline: { name: 'bare ws', value: of(bare, (r) => r.p99Ms) },
      });
    }

    if (wanted('peers')) {
      await peerScenarios({
        db,
        secret,
        televisit,
        startBaseline,
        startTelevisit,
        add,
        rounds: P.runs,
        warmupMs: P.warmupMs,
        windowMs: P.windowMs,
        closedPairs: P.closedVisits,
        crowdPairs: quick ? 300 : 1000,
        idleClients: quick ? 2000 : 5000,
        measures: process.argv
          .find((arg) => arg.startsWith('--peers='))
          ?.slice(8)
          .split(','),
      });
    }
    if (wanted('rest')) {
      await restScenarios(db, televisit);
    }
    if (wanted('slots')) {
      await slotScenarios({
        db,
        secret,
        televisit,
        add,
        runs: P.runs,
        warmupMs: P.warmupMs,
        windowMs: P.windowMs,
        quick,
      });
    }
    if (wanted('outreach')) {
      await outreachScenarios({
        db,
        secret,
        startTelevisit: async (name, extra) => {
          const server = await startTelevisit(name, extra);
          servers.push(server);
          return server;
        },
        add,
        rounds: P.runs,
        warmupMs: P.warmupMs,
        windowMs: P.windowMs,
        latencyBookings: quick ? 250 : 500,
      });
    }
    if (wanted('login')) {
      await loginScenario(db, televisit);
    }
    if (wanted('fanout')) {
      await fanoutScenario(db, televisit);
    }
    await televisit.stop();
    if (wanted('idle')) {
      await idleScenarios(db, bareRelay);
    }
    await db.end();
  } finally {
    for (const server of servers) {
      await server.stop();
    }
    await database.drop();
  }
  write(Date.now() - started);
}

async function restScenarios(db: Client, televisit: Server) {
  const connections = 16;
  const diary = await seedDiary(db, secret, 25);
  const httpPg = await startBaseline('bare http+pg', 'bench/baselines/http-pg.ts', {
    DATABASE_URL: databaseUrl,
  });
  const httpJson = await startBaseline('bare http', 'bench/baselines/http-json.ts');
  type Run = { requestsPerSecond: number; p99Ms: number; statuses: Record<string, number> };
  const closedLoop = async (url: string, requests: unknown[][], runs = P.runs) =>
    (
      await runLoad<{ runs: Run[] }>('bench/load/http.ts', {
        url,
        requests,
        warmupMs: P.warmupMs,
        windowMs: P.windowMs,
        runs,
      })
    ).runs;
  const same = <T>(request: T) => Array.from({ length: connections }, () => [request]);
  try {
    const once = async (url: string, requests: unknown[][]) =>
      (await closedLoop(url, requests, 1))[0];
    const [list, pg] = await alternating(
      () =>
        once(
          televisit.url,
          same({
            method: 'GET',
            path: '/api/appointments?limit=20',
            headers: { authorization: `Bearer ${diary.token}` },
          }),
        ),
      () => once(httpPg.url, same({ method: 'GET', path: `/?user=${diary.id}` })),
    );
    const json = await closedLoop(httpJson.url, same({ method: 'GET', path: '/' }));
    const scenario = 'REST: list appointments (20 rows)';
    add(
      {
        scenario,
        measure: 'requests/s',
        unit: '1/s',
        televisit: of(list, (r) => r.requestsPerSecond),
        baseline: { name: 'bare http+pg', value: of(pg, (r) => r.requestsPerSecond) },
        goal: '≥ 0.6× bare http+pg',
        note: `bare http (no database): ${Math.round(of(json, (r) => r.requestsPerSecond).median)}/s`,
      },
      (ratio) => ratio >= 0.6,
    );
    add({
      scenario,
      measure: 'p99',
      unit: 'ms',
      televisit: of(list, (r) => r.p99Ms),
      baseline: { name: 'bare http+pg', value: of(pg, (r) => r.p99Ms) },
    });

    // Booking: each connection its own patient and clinician, slot after slot (all succeed).
    const patients = await seedUsers(db, secret, 'patient', connections);
    const clinicians = await seedUsers(db, secret, 'clinician', connections);
    const base = Date.now() + 2 * 24 * 3600_000;
    const perConnection = quick ? 1500 : 4000;
    const bookings = bookingRequests(patients, clinicians, perConnection, base);
    const book = await closedLoop(televisit.url, bookings);
    bookingCapacity = of(book, (r) => r.requestsPerSecond).median;
    add({
      scenario: 'REST: book an appointment',
      measure: 'requests/s',
      unit: '1/s',
      televisit: of(book, (r) => r.requestsPerSecond),
      note: `statuses ${JSON.stringify(book[book.length - 1].statuses)}`,
    });
    add({
      scenario: 'REST: book an appointment',
      measure: 'p99',
      unit: 'ms',
      televisit: of(book, (r) => r.p99Ms),
    });
    // Refused double booking: every request asks for a slot already taken.
    const refused = await closedLoop(
      televisit.url,
      bookings.map((list) => [list[0]]),
    );
    add({
      scenario: 'REST: refused double booking (409)',
      measure: 'requests/s',
      unit: '1/s',
      televisit: of(refused, (r) => r.requestsPerSecond),
      note: `statuses ${JSON.stringify(refused[refused.length - 1].statuses)}`,
    });
    add({
      scenario: 'REST: refused double booking (409)',
      measure: 'p99',
      unit: 'ms',
      televisit: of(refused, (r) => r.p99Ms),
    });
  } finally {
    await httpPg.stop();
    await httpJson.stop();
  }
}

/**
 * Logins (8 connections in a closed loop, each on its own account, so none is throttled) with
 * the realistic relay load running. The relay's visits join and negotiate first; then the event
 * loop's longest stall is read every window, first with the relay load alone (the baseline),
 * then with the logins alongside, so the difference is what the logins' argon2 work adds. The
 * relay's own latency is measured in the same two phases.
 */
async function loginScenario(db: Client, televisit: Server) {
  const password = 'bench-login-password';
  const accounts = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const email = `bench-login-${randomBytes(4).toString('hex')}@bench.test`;
      const registered = await fetch(`${televisit.url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password, displayName: 'Bench Login' }),
      });
      if (registered.status !== 201) {
        throw new Error(`register failed: ${registered.status}`);
      }
      return email;
    }),
  );
  const visits = await seedVisits(db, secret, P.realisticVisits);
  const negotiationMs = 3000;
  /** The login generator's start-up (it is transpiled on load) and its own warm-up. */
  const loginLeadMs = 1000 + P.warmupMs;
  const relayTailMs = 3000;
  const traffic = holdLoad('bench/load/relay.ts', {
    mode: 'televisit',
    patientUrl: televisit.url,
    clinicianUrl: televisit.url,
    pattern: 'realistic',
    visits: visits.map((v) => ({
      appointmentId: v.appointmentId,
      patientToken: v.patient.token,
      clinicianToken: v.clinician.token,
    })),
    // Two runs of one window each: the first with the relay load alone, the second with the
    // logins (each run negotiates anew, then waits negotiationMs, then measures).
    // Each window outlasts the stall windows by relayTailMs, so the relay's sockets close (a
    // storm of seat updates) only after the logins are done.
    warmupMs: negotiationMs,
    windowMs: P.runs * P.windowMs + relayTailMs,
    runs: 2,
    announce: true,
  });
  await traffic.next();
  await sleep(negotiationMs);
  const windows = async (count: number) => {
    await televisit.probe({ collect: false });
    const probes: Probe[] = [];
    for (let i = 0; i < count; i++) {
      await sleep(P.windowMs);
      probes.push(await televisit.probe({ collect: false }));
    }
    return probes;
  };
  const alone = await windows(P.runs);
  // The relay's second run measures from its first run's tail, its 1 s pause and negotiationMs
  // from now; the logins start so that their measured windows begin then too.
  await sleep(relayTailMs + 1000 + negotiationMs - loginLeadMs);
  const peak = sampleRss(televisit);
  type Run = { requestsPerSecond: number; p99Ms: number; statuses?: Record<string, number> };
  const logins = runLoad<{ runs: Run[] }>('bench/load/http.ts', {
    url: televisit.url,
    requests: accounts.map((email) => [
      { method: 'POST', path: '/api/auth/login', body: JSON.stringify({ email, password }) },
    ]),
    warmupMs: P.warmupMs,
    windowMs: P.windowMs,
    runs: P.runs,
  });
  await sleep(loginLeadMs);
  const withLogins = await windows(P.runs - 1);
  const loginRuns = (await logins).runs;
  const peakRss = peak.stop();
  // The generator exits by itself after its result.
  const relayRuns = (await traffic.next<{ runs: RelayRun[] }>()).runs;

  /** How much of the time the event loop's thread wanted a core it spent waiting for one. */
  const waiting = (probes: Probe[]) => {
    const sum = (f: (w: Probe) => number) => probes.reduce((total, w) => total + f(w), 0);
    return Math.round(
      (100 * sum((w) => w.mainWaitMs)) /
        Math.max(
          1,
          sum((w) => w.mainWaitMs + w.mainRunMs),
        ),
    );
  };
  const longestGc = (probes: Probe[]) => Math.max(...probes.map((w) => w.gcPauseMaxMs)).toFixed(1);
  const scenario = `login (argon2id), 8 at a time, with the realistic relay load of ${P.realisticVisits} visits alongside`;
  add({
    scenario,
    measure: 'logins/s',
    unit: '1/s',
    televisit: of(loginRuns, (r) => r.requestsPerSecond),
    note: `peak RSS ${Math.round(peakRss / 2 ** 20)} MiB; ${answered(loginRuns)}; per window ${loginRuns.map((r) => r.requestsPerSecond.toFixed(1)).join(', ')}`,
  });
  add(
    {
      scenario,
      measure: 'longest event-loop stall per window',
      unit: 'ms',
      televisit: spread(withLogins.map((w) => w.loopMaxMs)),
      baseline: { name: 'relay load alone', value: spread(alone.map((w) => w.loopMaxMs)) },
      goal: '≤ 20 ms',
      note: `the event loop's thread was runnable but waiting for a core ${waiting(withLogins)}% of the time it wanted one (${waiting(alone)}% with the relay load alone; schedstat); longest garbage-collection pause ${longestGc(withLogins)} ms (${longestGc(alone)} ms alone); relay p99 one-way ${relayRuns[1].p99Ms.toFixed(1)} ms with the logins, ${relayRuns[0].p99Ms.toFixed(1)} ms alone, ${(relayRuns[0].lost ?? 0) + (relayRuns[1].lost ?? 0)} frames lost`,
    },
    (_ratio, value) => value <= 20,
  );
}

/** How many requests of the runs were answered, by status. */
function answered(runs: { statuses?: Record<string, number> }[]): string {
  const total: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, n] of Object.entries(run.statuses ?? {})) {
      total[status] = (total[status] ?? 0) + n;
    }
  }
  return Object.entries(total)
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');
}

async function fanoutScenario(db: Client, televisit: Server) {
  for (const rate of P.fanoutRates) {
    const pairs = 100;
    const patients = await seedUsers(db, secret, 'patient', pairs);
    const clinicians = await seedUsers(db, secret, 'clinician', pairs);
    const runs = [];
    for (let run = 0; run < P.runs; run++) {
      runs.push(
        await runLoad<{ p99Ms: number; p50Ms: number; pushed: number; sent: number }>(
          'bench/load/fanout.ts',
          {
            url: televisit.url,
            pairs: patients.map((p, i) => ({
              patientToken: p.token,
              clinicianId: clinicians[i].id,
              clinicianToken: clinicians[i].token,
            })),
            perSecond: rate,
            windowMs: P.fanoutWindowMs,
            // On a half hour: on the clinicians' slot grid.
            firstSlotAt:
              Math.ceil((Date.now() + (3 + run) * 24 * 3600_000) / 1_800_000) * 1_800_000,
            slotMs: 20 * 60_000,
          },
        ),
      );
    }
    add(
      {
        scenario: `notification fan-out, ${rate} bookings/s`,
        measure: 'p99 booking → push',
        unit: 'ms',
        televisit: of(runs, (r) => r.p99Ms),
        goal: rate >= 500 ? '< 100 ms' : undefined,
        note: `p50 ${of(runs, (r) => r.p50Ms).median.toFixed(1)} ms; pushed ${runs.reduce((n, r) => n + r.pushed, 0)}/${runs.reduce((n, r) => n + r.sent, 0)}${bookingCapacity ? `; this box books ${Math.round(bookingCapacity)}/s at most (closed loop, above)` : ''}`,
      },
      rate >= 500 ? (_ratio, value) => value < 100 : undefined,
    );
  }
}

async function idleScenarios(db: Client, bareRelay: Server) {
  // Its own instance; each idle window is one ping interval long, so it holds one heartbeat
  // round (the default 25 s interval in a full run, 10 s in a quick one).
  const idle = await startTelevisit('televisit-idle', {
    WS_PING_INTERVAL_MS: String(idleWindowMs),
  });
  try {
    const users = await seedUsers(db, secret, 'patient', 100);
    for (const count of P.idle) {
      const ours = await holdIdle(idle, '/ws', users, count, idleRuns);
      const bare = await holdIdle(bareRelay, '/?room=idle', [], count, 1);
      const scenario = `${count.toLocaleString('en-US')} idle authenticated sockets`;
      add(
        {
          scenario,
          measure: 'RSS per socket',
          unit: 'KiB',
          televisit: spread([ours.perSocketKiB]),
          baseline: { name: 'bare ws', value: spread([bare.perSocketKiB]) },
          goal: '≤ bare + 10 KiB',
          note: `${ours.opened} open`,
        },
        () => ours.perSocketKiB <= bare.perSocketKiB + 10,
      );
      add(
        {
          scenario,
          measure: 'idle CPU',
          unit: '%',
          televisit: spread(ours.cpuPercent),
          baseline: { name: 'bare ws', value: spread(bare.cpuPercent) },
          goal: count >= 25_000 ? '< 5%' : undefined,
          note: `a heartbeat round every ${idleWindowMs / 1000} s`,
        },
        count >= 25_000 ? (_ratio, value) => value < 5 : undefined,
      );
      add({
        scenario,
        measure: 'heartbeat sweep (longest loop stall)',
        unit: 'ms',
        televisit: spread(ours.stallMs),
      });
    }
  } finally {
    await idle.stop();
  }
}

async function holdIdle(
  server: Server,
  path: string,
  users: BenchUser[],
  count: number,
  runs: number,
) {
  const before = await server.probe();
  const load = holdLoad('bench/load/idle.ts', {
    url: server.url,
    path,
    tokens: users.map((u) => u.token),
    count,
  });
  const { opened } = await load.next<{ opened: number }>();
  await sleep(1000);
  let last: Probe = await server.probe();
  const perSocketKiB = (last.rss - before.rss) / 1024 / opened;
  const cpuPercent: number[] = [];
  const stallMs: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = Date.now();
    await sleep(idleWindowMs);
    const probe = await server.probe();
    const elapsedMs = Date.now() - started;
    cpuPercent.push(((probe.cpuMicros - last.cpuAfterMicros) / 1000 / elapsedMs) * 100);
    stallMs.push(probe.loopMaxMs);
    last = probe;
  }
  await load.stop();
  await sleep(500);
  return { opened, perSocketKiB, cpuPercent, stallMs };
}

/** Samples a server's RSS every 100 ms until stopped; answers the peak. */
function sampleRss(server: Server) {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
      const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kib * 1024);
    } catch {
      // Not on Linux, or the process is gone.
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

function write(durationMs: number) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const machine = {
    node: process.version,
    os: `${osType()} ${release()}`,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    postgres: process.env.DATABASE_URL ? 'DATABASE_URL server' : 'embedded',
    televisit: (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version,
  };
  const when = new Date().toISOString();
  const mode = quick ? 'quick' : 'full';
  writeFileSync(
    join(dir, 'latest.json'),
    `${JSON.stringify({ when, mode, durationMs, machine, rows }, null, 2)}\n`,
  );
  const markdown = [
    `# Benchmark ${when.slice(0, 10)} (${mode})`,
    '',
    `Machine: ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.os}; Node ${machine.node}; Postgres ${machine.postgres}. Took ${Math.round(durationMs / 1000)} s.`,
    '',
    `Each figure: median (min–max) of ${P.runs} measured windows of ${P.windowMs / 1000} s after a warm-up; the handshake and REST-list runs alternate with their baseline's, run by run. Closed-loop relay runs raise the per-user frame limit (WS_MAX_FRAMES_PER_SECOND) far above any real client's, since they send as fast as the relay answers.`,
    '',
    table(rows),
    '',
    ...rows.filter((r) => r.note).map((r) => `- ${r.scenario}, ${r.measure}: ${r.note}`),
    '',
  ].join('\n');
  // The dated report is the committed record of a whole run; a partial one (--only) would
  // overwrite it with some of the rows.
  const name = only ? 'latest-partial.md' : freshName(dir, `${when.slice(0, 10)}-${mode}`);
  writeFileSync(join(dir, name), markdown);
  console.log(`\n${table(rows)}\n\nWrote bench/results/latest.json and ${name}`);
}

/** `base.md`, or `base-2.md`, `base-3.md`… when that day already has a report of that mode. */
function freshName(dir: string, base: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${base}.md` : `${base}-${n}.md`;
    if (!existsSync(join(dir, name))) {
      return name;
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
