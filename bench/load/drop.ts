/**
 * Many sockets dropping at once (a network blip, a restarting proxy): each visit's patient and
 * clinician are in a call; every patient's TCP connection is cut in the same instant. Reports
 * how long until each clinician is told `session.peer-reconnecting`; then every patient comes
 * back at once (how long until each has resumed); then they are cut again and stay away (how
 * long, once the grace is over, until each clinician is told `session.peer-left`). Through each
 * phase one client keeps sending REST requests: do the seat changes crowd out the rest?
 */
import { performance } from 'node:perf_hooks';
import { percentile, sortNumbers } from '../lib/stats';
import { CallVisit, inBatches, inCall, input, LoadSocket, wsUrl } from './ws-client';

type Visit = CallVisit;

interface Input {
  url: string;
  /** The service's resume grace: every seat is given up this long after its drop. */
  graceMs: number;
  /** One set of visits per run: a dropped seat stays absent (for its grace) after its run. */
  runs: Visit[][];
}

const config = input<Input>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every visit in a call. */
async function allInCall(visits: Visit[]) {
  const pairs: { patient: LoadSocket; clinician: LoadSocket }[] = [];
  await inBatches(visits, 50, async (visit) => {
    pairs.push(await inCall(visit, config.url));
  });
  return pairs;
}

async function run(visits: Visit[]) {
  const pairs = await allInCall(visits);
  const token = visits[0].clinicianToken;
  await sleep(1000);

  // Every patient's socket cut: each clinician is told their patient is reconnecting.
  let started = performance.now();
  const since = (from: number) => () => performance.now() - from;
  const reconnecting = Promise.all(
    pairs.map(({ clinician }) =>
      clinician.arrival('session.peer-reconnecting').then(since(started)),
    ),
  );
  pairs.forEach(({ patient }) => patient.ws.terminate());
  const drop = await restUntil(reconnecting, token);

  // Every patient back at once, on a new socket: each resumes their seat.
  started = performance.now();
  const back: LoadSocket[] = [];
  const resumed = Promise.all(
    visits.map(async (visit) => {
      const patient = await LoadSocket.open(wsUrl(config.url, '/ws'), {
        token: visit.patientToken,
      });
      back.push(patient);
      const ack = await patient.request('session.join', { appointmentId: visit.appointmentId });
      if (ack.resumed !== true) {
        throw new Error(`not resumed: ${JSON.stringify(ack)}`);
      }
      return performance.now() - started;
    }),
  );
  const resume = await restUntil(resumed, token);

  // Cut again, and kept away: past the grace, each clinician is told their patient has left.
  started = performance.now();
  const left = Promise.all(
    pairs.map(({ clinician }) => clinician.arrival('session.peer-left').then(since(started))),
  );
  back.forEach((patient) => patient.ws.terminate());
  await sleep(config.graceMs - 200);
  const expiry = await restUntil(left, token);
  pairs.forEach(({ clinician }) => clinician.ws.terminate());
  await sleep(2000);
  return {
    allToldMs: drop.last,
    p50ToldMs: drop.p50,
    restCount: drop.rest.length,
    restMaxMs: Math.max(...drop.rest),
    allResumedMs: resume.last,
    restMaxResumeMs: Math.max(...resume.rest),
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
