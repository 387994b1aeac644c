/**
 * Many sockets dropping at once (a network blip, a restarting proxy): each visit's patient and
 * clinician are in a call; every patient's TCP connection is cut in the same instant. Reports
 * how long until each clinician is told `session.peer-reconnecting`, then, once the resume
 * grace is over, `session.peer-left`; and how long the REST requests one client keeps sending
 * meanwhile take (do the seat updates crowd out the rest?).
 */
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from '../lib/stats';
import { inBatches, input, LoadSocket, wsUrl } from './ws-client';

interface Visit {
  appointmentId: string;
  patientToken: string;
  clinicianToken: string;
}

interface Input {
  url: string;
  /** The service's resume grace: every seat is given up this long after its drop. */
  graceMs: number;
  /** One set of visits per run: a dropped seat stays absent (for its grace) after its run. */
  runs: Visit[][];
}

const config = input<Input>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function inCall(visits: Visit[]) {
  const pairs: { patient: LoadSocket; clinician: LoadSocket }[] = [];
  await inBatches(visits, 50, async (visit) => {
    const ref = { appointmentId: visit.appointmentId };
    const patient = await LoadSocket.open(wsUrl(config.url, '/ws'), { token: visit.patientToken });
    const clinician = await LoadSocket.open(wsUrl(config.url, '/ws'), {
      token: visit.clinicianToken,
    });
    await patient.request('session.join', ref);
    await clinician.request('session.join', ref);
    await clinician.request('session.admit', ref);
    pairs.push({ patient, clinician });
  });
  return pairs;
}

async function run(visits: Visit[]) {
  const pairs = await inCall(visits);
  await sleep(1000);
  const started = performance.now();
  const told = (event: string) =>
    Promise.all(
      pairs.map(({ clinician }) =>
        clinician.arrival(event).then(() => performance.now() - started),
      ),
    );
  const reconnecting = told('session.peer-reconnecting');
  const left = told('session.peer-left');
  pairs.forEach(({ patient }) => patient.ws.terminate());
  const drop = await restUntil(reconnecting, visits[0].clinicianToken);
  await sleep(Math.max(0, started + config.graceMs - 200 - performance.now()));
  const expiry = await restUntil(left, visits[0].clinicianToken);
  pairs.forEach(({ clinician }) => clinician.ws.terminate());
  await sleep(2000);
  return {
    allToldMs: drop.last,
    p50ToldMs: drop.p50,
    restCount: drop.rest.length,
    restMaxMs: Math.max(...drop.rest),
    /** From the end of the grace. */
    allLeftMs: expiry.last - config.graceMs,
    restMaxExpiryMs: Math.max(...expiry.rest),
  };
}

/** One client's REST list, back to back, until `done`; with when each peer was told. */
async function restUntil(done: Promise<number[]>, token: string) {
  let finished = false;
  void done.then(() => (finished = true));
  const rest: number[] = [];
  while (!finished) {
    const sent = performance.now();
    const res = await fetch(`${config.url}/api/appointments?limit=20`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    rest.push(performance.now() - sent);
  }
  const sorted = sortNumbers(await done);
  return { rest, last: sorted[sorted.length - 1], p50: percentile(sorted, 50) };
}

async function main() {
  const runs = [];
  for (const visits of config.runs) {
    runs.push(await run(visits));
  }
  console.log(JSON.stringify({ runs }));
}

void main().then(() => process.exit(0));
