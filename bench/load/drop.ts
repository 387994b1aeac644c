/**
 * Many sockets dropping at once (a network blip, a restarting proxy): each visit's patient and
 * clinician are in a call; every patient's TCP connection is cut in the same instant. Reports
 * how long until each clinician is told `session.peer-reconnecting`, and how long the REST
 * requests one client keeps sending meanwhile take (do the seat updates crowd out the rest?).
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
  const told = Promise.all(
    pairs.map(({ clinician }) =>
      clinician.arrival('session.peer-reconnecting').then(() => performance.now() - started),
    ),
  );
  pairs.forEach(({ patient }) => patient.ws.terminate());
  let allTold = false;
  void told.then(() => (allTold = true));
  const rest: number[] = [];
  while (!allTold) {
    const sent = performance.now();
    const res = await fetch(`${config.url}/api/appointments?limit=20`, {
      headers: { authorization: `Bearer ${visits[0].clinicianToken}` },
    });
    await res.arrayBuffer();
    rest.push(performance.now() - sent);
  }
  const sorted = sortNumbers(await told);
  pairs.forEach(({ clinician }) => clinician.ws.terminate());
  await sleep(2000);
  return {
    allToldMs: sorted[sorted.length - 1],
    p50ToldMs: percentile(sorted, 50),
    restCount: rest.length,
    restMaxMs: Math.max(...rest),
  };
}

async function main() {
  const runs = [];
  for (const visits of config.runs) {
    runs.push(await run(visits));
  }
  console.log(JSON.stringify({ runs }));
}

void main().then(() => process.exit(0));
