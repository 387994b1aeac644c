/**
 * Signaling relay load: each visit is a patient socket and a clinician socket. Against
 * Televisit they join and the clinician admits; against the bare relay they just share a room.
 *
 * - closed: each visit keeps one round trip in flight (patient → clinician → patient), as fast
 *   as the relay allows; reports round trips per second and round-trip latency.
 * - realistic: each visit negotiates (offer 4 KB, answer 4 KB, 20 candidates each way), then
 *   sends one frame per second each way; reports one-way latency, lost and reordered frames.
 */
import { performance } from 'node:perf_hooks';
import { RoundTripWindows } from '../lib/round-trips';
import { percentile, sortNumbers } from '../lib/stats';
import { CallVisit, inBatches, inCall, input, LoadSocket, wsUrl } from './ws-client';

type Visit = CallVisit;

interface Input {
  mode: 'televisit' | 'bare';
  patientUrl: string;
  clinicianUrl: string;
  visits: Visit[];
  pattern: 'closed' | 'realistic';
  warmupMs: number;
  windowMs: number;
  runs: number;
  /** Print `{"connected":true}` once every visit is in, before the load starts. */
  announce?: boolean;
}

const config = input<Input>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pair {
  visit: Visit;
  patient: LoadSocket;
  clinician: LoadSocket;
}

async function connect(): Promise<Pair[]> {
  const pairs: Pair[] = [];
  await inBatches(config.visits, 50, async (visit) => {
    if (config.mode === 'bare') {
      const query = `/?room=${visit.appointmentId}`;
      const patient = await LoadSocket.open(wsUrl(config.patientUrl, query));
      const clinician = await LoadSocket.open(wsUrl(config.clinicianUrl, query));
      pairs.push({ visit, patient, clinician });
      return;
    }
    pairs.push({ visit, ...(await inCall(visit, config.patientUrl, config.clinicianUrl)) });
  });
  return pairs;
}

function signal(appointmentId: string, type: string, payload: object): string {
  return JSON.stringify({ event: 'signal', data: { appointmentId, type, payload } });
}

async function closedLoop(pairs: Pair[]) {
  const windows = new RoundTripWindows();
  let stopped = false;
  for (const { visit, patient, clinician } of pairs) {
    const ping = () =>
      patient.send(signal(visit.appointmentId, 'ice-candidate', { t: performance.now() }));
    clinician.onFrame = (frame) => {
      if (frame.event === 'signal') {
        clinician.send(signal(visit.appointmentId, 'ice-candidate', frame.data.payload));
      }
    };
    patient.onFrame = (frame) => {
      if (frame.event !== 'signal') {
        return;
      }
      windows.record(performance.now() - (frame.data.payload.t as number));
      if (!stopped) {
        ping();
      }
    };
    ping();
  }
  const runs = await windows.measure(config.runs, config.warmupMs, config.windowMs);
  stopped = true;
  return runs;
}

interface FlowStats {
  measuring: boolean;
  sent: number;
  received: number;
  reordered: number;
  latencies: number[];
}

/** One direction of one visit: numbered frames, checked for order and loss on arrival. */
function flow(from: LoadSocket, to: LoadSocket, appointmentId: string, stats: FlowStats) {
  let seq = 0;
  let expected = 0;
  to.onFrame = (frame) => {
    if (frame.event !== 'signal') {
      return;
    }
    const payload = frame.data.payload as { seq: number; t: number; measured: boolean };
    if (payload.seq !== expected) {
      stats.reordered += 1;
    }
    expected = payload.seq + 1;
    if (payload.measured) {
      stats.received += 1;
      stats.latencies.push(performance.now() - payload.t);
    }
  };
  return (type: string, extra: object = {}) => {
    const measured = stats.measuring;
    from.send(
      signal(appointmentId, type, { seq: seq++, t: performance.now(), measured, ...extra }),
    );
    if (measured) {
      stats.sent += 1;
    }
  };
}

async function realistic(pairs: Pair[]) {
  const runs = [];
  const sdp = 'a'.repeat(4096);
  for (let run = 0; run < config.runs; run++) {
    const stats: FlowStats = {
      measuring: false,
      sent: 0,
      received: 0,
      reordered: 0,
      latencies: [],
    };
    const timers: NodeJS.Timeout[] = [];
    for (const { visit, patient, clinician } of pairs) {
      const fromPatient = flow(patient, clinician, visit.appointmentId, stats);
      const fromClinician = flow(clinician, patient, visit.appointmentId, stats);
      // Negotiation, spread over the first second as visits would be, then 1 frame/s each way.
      const negotiate = setTimeout(() => {
        fromPatient('offer', { sdp });
        fromClinician('answer', { sdp });
        for (let i = 0; i < 20; i++) {
          fromPatient('ice-candidate');
          fromClinician('ice-candidate');
        }
        timers.push(
          setInterval(() => {
            fromPatient('ice-candidate');
            fromClinician('ice-candidate');
          }, 1000),
        );
      }, Math.random() * 1000);
      timers.push(negotiate);
    }
    await sleep(config.warmupMs);
    stats.measuring = true;
    await sleep(config.windowMs);
    stats.measuring = false;
    timers.forEach((timer) => clearTimeout(timer));
    await sleep(1000); // the last frames arrive
    const sorted = sortNumbers(stats.latencies);
    runs.push({
      sent: stats.sent,
      lost: stats.sent - stats.received,
      reordered: stats.reordered,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      framesPerSecond: stats.received / (config.windowMs / 1000),
    });
  }
  return runs;
}

async function main() {
  const pairs = await connect();
  if (config.announce) {
    process.stdout.write(`${JSON.stringify({ connected: true })}\n`);
  }
  const runs = config.pattern === 'closed' ? await closedLoop(pairs) : await realistic(pairs);
  process.stdout.write(`${JSON.stringify({ runs })}\n`);
  process.exit(0);
}

void main();
