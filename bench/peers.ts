/**
 * Televisit against the signaling servers people would pick instead: the PeerJS server, a
 * socket.io room relay, and the bare ws relay, all driven by one generator
 * (bench/load/peer-relay.ts) in interleaved rounds. Each Televisit figure is reported as a
 * ratio to each of them; the goals (issue: at least PeerJS's figure on every row) are on the
 * PeerJS rows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Client } from 'pg';
import { seedUsers, seedVisits } from './lib/fixtures';
import { holdLoad, runLoad, Server, sleep } from './lib/processes';
import type { Row } from './lib/report';
import { spread } from './lib/stats';
import type { Peer } from './load/wires';

export interface PeerBench {
  db: Client;
  secret: string;
  televisit: Server;
  startBaseline(name: string, script: string): Promise<Server>;
  /** A Televisit instance of its own (the idle measure needs a process with no history). */
  startTelevisit(name: string): Promise<Server>;
  add(row: Omit<Row, 'ratio' | 'met'>, goal?: (ratio: number, value: number) => boolean): void;
  rounds: number;
  warmupMs: number;
  windowMs: number;
  closedPairs: number[];
  crowdPairs: number;
  idleClients: number;
  /** Which measures to run (`--peers=setup,idle`); all when absent. */
  measures?: string[];
}

const PEERS: { peer: Exclude<Peer, 'televisit'>; name: string; script: string }[] = [
  { peer: 'peerjs', name: 'PeerJS', script: 'bench/baselines/peerjs.ts' },
  { peer: 'socketio', name: 'socket.io', script: 'bench/baselines/socketio-relay.ts' },
  { peer: 'bare', name: 'bare ws', script: 'bench/baselines/ws-relay.ts' },
];

type Figures = Record<Peer, number[]>;
type Goal = { text: string; holds: (ratio: number) => boolean };

const empty = (): Figures => ({ televisit: [], peerjs: [], socketio: [], bare: [] });

/**
 * CPU ticks of each PostgreSQL backend serving `database`, by pid (the title a backend gives
 * itself names its database; other work on the machine's servers is not counted).
 */
function postgresTicks(database: string): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (
        stat.includes('(postgres)') &&
        readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `)
      ) {
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks.set(pid, Number(fields[11]) + Number(fields[12]));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks;
}

/**
 * The database's CPU time (µs) since `before`: what each PostgreSQL process spent meanwhile
 * (processes started meanwhile count whole; those that ended are lost, an under-count).
 */
function postgresCpuSince(database: string, before: Map<string, number>): number {
  let ticks = 0;
  for (const [pid, now] of postgresTicks(database)) {
    ticks += now - (before.get(pid) ?? 0);
  }
  return ticks * 10_000; // USER_HZ = 100
}

export async function peerScenarios(bench: PeerBench): Promise<void> {
  const servers = new Map<Peer, Server>([['televisit', bench.televisit]]);
  const database = bench.db.database ?? '';
  try {
    for (const { peer, name, script } of PEERS) {
      servers.set(peer, await bench.startBaseline(`${name} (peer bench)`, script));
    }
    const peers: Peer[] = ['televisit', 'peerjs', 'socketio', 'bare'];
    const report = (
      scenario: string,
      measure: string,
      unit: string,
      f: Figures,
      goals: Partial<Record<Peer, Goal>> = {},
    ) => {
      for (const { peer, name } of PEERS) {
        const goal = goals[peer];
        bench.add(
          {
            scenario,
            measure,
            unit,
            televisit: spread(f.televisit),
            baseline: { name, value: spread(f[peer]) },
            goal: goal?.text,
          },
          goal ? (ratio) => goal.holds(ratio) : undefined,
        );
      }
    };

    const wanted = (measure: string) => !bench.measures || bench.measures.includes(measure);
    for (const size of wanted('closed') ? bench.closedPairs : []) {
      const rps = empty();
      const p99 = empty();
      const cpu = empty();
      for (let round = 0; round < bench.rounds; round++) {
        // Fresh visits each round: an earlier round's are still held for a resume.
        const visits = await seedVisits(bench.db, bench.secret, size);
        for (const peer of peers) {
          const server = servers.get(peer) as Server;
          const load = holdLoad('bench/load/peer-relay.ts', {
            peer,
            url: server.url,
            measure: 'closed',
            visits: callVisits(visits),
            warmupMs: bench.warmupMs,
            windowMs: bench.windowMs,
            runs: 1,
            settleMs: 300,
          });
          await load.next();
          const before = await server.probe({ collect: false });
          const result = await load.next<{ runs: RunFigures[]; roundTrips: number }>();
          const after = await server.probe({ collect: false });
          await load.stop();
          rps[peer].push(result.runs[0].roundTripsPerSecond);
          p99[peer].push(result.runs[0].p99Ms);
          cpu[peer].push((after.cpuMicros - before.cpuAfterMicros) / result.roundTrips);
        }
      }
      const scenario = `peers: relay, closed loop, ${size} pairs`;
      report(scenario, 'round trips/s', '1/s', rps, {
        peerjs: { text: '≥ 1.0× PeerJS', holds: (r) => r >= 1 },
      });
      report(scenario, 'p99 round trip', 'ms', p99, {
        peerjs: { text: '≤ 1.1× PeerJS', holds: (r) => r <= 1.1 },
      });
      report(scenario, 'server CPU per round trip', 'µs', cpu, {
        peerjs: { text: '≤ PeerJS', holds: (r) => r <= 1 },
      });
    }

    // Connection set-up: 500 clients, 20 at a time, until each is ready to relay.
    if (wanted('setup')) {
      const users = await seedUsers(bench.db, bench.secret, 'patient', 500);
      const ready = empty();
      const cpuPerClient = empty();
      const databasePerClient: number[] = [];
      for (let round = 0; round < bench.rounds; round++) {
        for (const peer of peers) {
          const server = servers.get(peer) as Server;
          const before = await server.probe({ collect: false });
          const pgBefore = postgresTicks(database);
          const result = await runLoad<{ readyPerSecond: number }>('bench/load/peer-relay.ts', {
            peer,
            url: server.url,
            measure: 'setup',
            tokens: users.map((u) => u.token),
            count: users.length,
            concurrency: 20,
          });
          const after = await server.probe({ collect: false });
          const pgMicros = peer === 'televisit' ? postgresCpuSince(database, pgBefore) : 0;
          ready[peer].push(result.readyPerSecond);
          if (peer === 'televisit') {
            databasePerClient.push(pgMicros / 1000 / users.length);
          }
          cpuPerClient[peer].push(
            (after.cpuMicros - before.cpuAfterMicros + pgMicros) / 1000 / users.length,
          );
          await sleep(500); // the closes land
        }
      }
      report('peers: connection set-up, 500 clients 20 at a time', 'ready/s', '1/s', ready, {
        peerjs: { text: '≥ 0.8× PeerJS', holds: (r) => r >= 0.8 },
      });
      report(
        'peers: connection set-up, 500 clients 20 at a time',
        'server + database CPU per client',
        'ms',
        cpuPerClient,
      );
      bench.add({
        scenario: 'peers: connection set-up, 500 clients 20 at a time',
        measure: 'of which the database (Televisit)',
        unit: 'ms',
        televisit: spread(databasePerClient),
      });
    }

    // A 12 KB offer relayed one way.
    if (wanted('offer')) {
      const offerP50 = empty();
      for (let round = 0; round < bench.rounds; round++) {
        const offerVisit = await seedVisits(bench.db, bench.secret, 1);
        for (const peer of peers) {
          const result = await runLoad<{ p50Ms: number }>('bench/load/peer-relay.ts', {
            peer,
            url: (servers.get(peer) as Server).url,
            measure: 'offer',
            visits: callVisits(offerVisit),
            count: 300,
          });
          offerP50[peer].push(result.p50Ms);
        }
      }
      report('peers: a 12 KB offer relayed one way', 'p50', 'ms', offerP50);
    }

    // A crowd into a call: fresh visits each round (Televisit: upgrade, join, admit).
    if (wanted('crowd')) {
      const crowd = empty();
      for (let round = 0; round < bench.rounds; round++) {
        const visits = await seedVisits(bench.db, bench.secret, bench.crowdPairs);
        for (const peer of peers) {
          const result = await runLoad<{ allInMs: number }>('bench/load/peer-relay.ts', {
            peer,
            url: (servers.get(peer) as Server).url,
            measure: 'crowd',
            visits: callVisits(visits),
            concurrency: 50,
          });
          crowd[peer].push(result.allInMs);
          await sleep(500);
        }
      }
      report(
        `peers: ${bench.crowdPairs} pairs from connect to ready to relay`,
        'until all are through',
        'ms',
        crowd,
        { peerjs: { text: '≤ 2× PeerJS', holds: (r) => r <= 2 } },
      );
    }

    // Idle memory per connected client, after a full collection, each on a fresh process: in
    // one that ran the other scenarios, freed memory is reused and the growth reads as nothing.
    if (wanted('idle')) {
      const idleUsers = await seedUsers(bench.db, bench.secret, 'patient', bench.idleClients);
      const memory = empty();
      for (const { peer, script } of [{ peer: 'televisit' as const, script: '' }, ...PEERS]) {
        const server =
          peer === 'televisit'
            ? await bench.startTelevisit('televisit (idle clients)')
            : await bench.startBaseline(`${peer} (idle clients)`, script);
        try {
          const before = await server.probe();
          const load = holdLoad('bench/load/peer-relay.ts', {
            peer,
            url: server.url,
            measure: 'idle',
            tokens: idleUsers.map((u) => u.token),
            count: idleUsers.length,
            concurrency: 50,
          });
          await load.next();
          await sleep(1000);
          const after = await server.probe();
          memory[peer].push((after.rss - before.rss) / 1024 / idleUsers.length);
          await load.stop();
        } finally {
          await server.stop();
        }
      }
      report(
        `peers: ${bench.idleClients.toLocaleString('en-US')} idle clients`,
        'memory per client',
        'KiB',
        memory,
        { peerjs: { text: '≤ 1.5× PeerJS', holds: (r) => r <= 1.5 } },
      );
    }
  } finally {
    for (const [peer, server] of servers) {
      if (peer !== 'televisit') {
        await server.stop();
      }
    }
  }
}

interface RunFigures {
  roundTripsPerSecond: number;
  p99Ms: number;
}

function callVisits(visits: Awaited<ReturnType<typeof seedVisits>>) {
  return visits.map((v) => ({
    appointmentId: v.appointmentId,
    patientToken: v.patient.token,
    clinicianToken: v.clinician.token,
  }));
}
