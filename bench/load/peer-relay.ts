/**
 * Televisit against the signaling servers people would pick instead, one generator for all
 * (bench/load/wires.ts). Measures, by `measure`:
 * - closed: each pair keeps one round trip in flight; round trips/s and round-trip latency, and
 *   the total round trips (the orchestrator divides the server's CPU by it). Prints
 *   `{"connected":true}` once every pair is in, then pauses `settleMs` before the load.
 * - setup: `count` clients connect, `concurrency` at a time, until each is ready to relay.
 * - offer: one pair; a 12 KB offer relayed one way, one at a time; one-way latency.
 * - crowd: `pairs` pairs from nothing to a first round trip each (Televisit: upgrade, join,
 *   admit), `concurrency` pairs at a time; the time until the last is through.
 * - idle: `count` clients connect and stay; prints `{"connected":true}` and holds them until
 *   its stdin ends.
 */
import { performance } from 'node:perf_hooks';
import { RoundTripWindows } from '../lib/round-trips';
import { percentile, sortNumbers } from '../lib/stats';
import { openClient, openPair, Peer, WirePair } from './wires';
import { CallVisit, inBatches, input } from './ws-client';

interface Input {
  peer: Peer;
  url: string;
  measure: 'closed' | 'setup' | 'offer' | 'crowd' | 'idle';
  visits: CallVisit[];
  tokens: string[];
  count: number;
  concurrency: number;
  warmupMs: number;
  windowMs: number;
  runs: number;
  settleMs: number;
}

const config = input<Input>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function pairs(visits: CallVisit[]): Promise<WirePair[]> {
  const all: WirePair[] = [];
  await inBatches(visits, 50, async (visit) => {
    all.push(await openPair(config.peer, config.url, visit));
  });
  return all;
}

async function closed() {
  const connected = await pairs(config.visits);
  process.stdout.write(`${JSON.stringify({ connected: true })}\n`);
  await sleep(config.settleMs);
  const windows = new RoundTripWindows();
  let stopped = false;
  let total = 0;
  for (const { patient, clinician } of connected) {
    clinician.onSignal = (payload) => clinician.send(payload);
    patient.onSignal = (payload: { t: number }) => {
      total += 1;
      windows.record(performance.now() - payload.t);
      if (!stopped) {
        patient.send({ t: performance.now() });
      }
    };
    patient.send({ t: performance.now() });
  }
  const runs = await windows.measure(config.runs, config.warmupMs, config.windowMs);
  stopped = true;
  await sleep(200); // the last round trips land
  return { runs, roundTrips: total };
}

async function setup() {
  const sockets: { close(): void }[] = [];
  const started = performance.now();
  await inBatches(
    Array.from({ length: config.count }, (_, i) => i),
    config.concurrency,
    async (i) => {
      sockets.push(await openClient(config.peer, config.url, config.tokens[i]));
    },
  );
  const seconds = (performance.now() - started) / 1000;
  sockets.forEach((socket) => socket.close());
  return { readyPerSecond: config.count / seconds };
}

async function offer() {
  const [pair] = await pairs(config.visits.slice(0, 1));
  const sdp = 'a'.repeat(12 * 1024);
  const latencies: number[] = [];
  for (let i = 0; i < config.count; i++) {
    const arrived = new Promise<void>((resolve) => {
      pair.clinician.onSignal = (payload: { t: number }) => {
        latencies.push(performance.now() - payload.t);
        resolve();
      };
    });
    pair.patient.send({ type: 'offer', sdp, t: performance.now() });
    await arrived;
  }
  const sorted = sortNumbers(latencies.slice(Math.floor(config.count / 10)));
  return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
}

async function crowd() {
  const started = performance.now();
  const opened: WirePair[] = [];
  await inBatches(config.visits, config.concurrency, async (visit) => {
    const pair = await openPair(config.peer, config.url, visit);
    opened.push(pair);
    await new Promise<void>((resolve) => {
      pair.clinician.onSignal = (payload) => pair.clinician.send(payload);
      pair.patient.onSignal = () => resolve();
      pair.patient.send({ t: performance.now() });
    });
  });
  const seconds = (performance.now() - started) / 1000;
  opened.forEach(({ patient, clinician }) => (patient.close(), clinician.close()));
  return { allInMs: seconds * 1000 };
}

async function idle() {
  const sockets: { close(): void }[] = [];
  await inBatches(
    Array.from({ length: config.count }, (_, i) => i),
    config.concurrency,
    async (i) => {
      sockets.push(await openClient(config.peer, config.url, config.tokens[i]));
    },
  );
  process.stdout.write(`${JSON.stringify({ connected: true })}\n`);
  await new Promise((resolve) => process.stdin.once('end', resolve).resume());
  sockets.forEach((socket) => socket.close());
  return { held: sockets.length };
}

async function main() {
  // A server that stops answering fails the run instead of stalling it.
  setTimeout(() => {
    process.stderr.write(`${config.peer}: ${config.measure} did not finish in 4 minutes\n`);
    process.exit(2);
  }, 240_000).unref();
  const measures = { closed, setup, offer, crowd, idle };
  const result = await measures[config.measure]();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

void main();
