import type { Client } from 'pg';
import { BenchUser, bookingRequests, dailySchedule, seedUsers } from './lib/fixtures';
import { runLoad, Server } from './lib/processes';
import type { Row } from './lib/report';
import { Spread, spread } from './lib/stats';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export interface SlotBench {
  db: Client;
  secret: string;
  televisit: Server;
  add: (row: Omit<Row, 'ratio' | 'met'>, goal?: (ratio: number, value: number) => boolean) => void;
  runs: number;
  warmupMs: number;
  windowMs: number;
  quick: boolean;
}

type Run = { requestsPerSecond: number; p99Ms: number; statuses: Record<string, number> };
const of = (runs: Run[], pick: (run: Run) => number): Spread => spread(runs.map(pick));

/**
 * `--only=slots`: the free-slot search of a busy month, and what the availability check costs
 * a booking (a patient's booking is checked against the slots; a clinician's booking for a
 * patient is not, and is otherwise the same work), alternated in the same run.
 */
export async function slotScenarios(bench: SlotBench): Promise<void> {
  const closedLoop = async (requests: unknown[][], runs = bench.runs) =>
    (
      await runLoad<{ runs: Run[] }>('bench/load/http.ts', {
        url: bench.televisit.url,
        requests,
        warmupMs: bench.warmupMs,
        windowMs: bench.windowMs,
        runs,
      })
    ).runs;

  // A month of a clinician in Berlin, open 07:00–23:00 on a 15-minute grid, 1,000 visits.
  const hours = dailySchedule({
    timeZone: 'Europe/Berlin',
    weekly: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({
      day,
      start: '07:00',
      end: '23:00',
    })),
    slotMinutes: 15,
    bufferBeforeMinutes: 5,
    bufferAfterMinutes: 5,
  });
  const [busy] = await seedUsers(bench.db, bench.secret, 'clinician', 1, { schedule: hours });
  const [someone] = await seedUsers(bench.db, bench.secret, 'patient', 1);
  const from = Math.ceil((Date.now() + DAY) / (15 * MINUTE)) * 15 * MINUTE;
  // 1,000 visits of 20 minutes, 40 minutes apart: about 28 days, round the clock.
  await bench.db.query(
    `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at,
            buffer_before_minutes, buffer_after_minutes)
     SELECT $1, $2, $3::timestamptz + n * interval '40 minutes',
            $3::timestamptz + n * interval '40 minutes' + interval '20 minutes', 5, 5
       FROM generate_series(0, 999) AS n`,
    [someone.id, busy.id, new Date(from)],
  );
  const query = new URLSearchParams({
    from: new Date(from).toISOString(),
    to: new Date(from + 31 * DAY).toISOString(),
    duration: '30',
  });
  const search = await closedLoop(
    Array.from({ length: 2 }, () => [
      {
        method: 'GET',
        path: `/api/clinicians/${busy.id}/slots?${query}`,
        headers: { authorization: `Bearer ${someone.token}` },
      },
    ]),
  );
  const scenario = 'slots: search a month with 1,000 visits (2 connections)';
  bench.add(
    {
      scenario,
      measure: 'p99',
      unit: 'ms',
      televisit: of(search, (r) => r.p99Ms),
      goal: '< 20 ms',
      note: `statuses ${JSON.stringify(search[search.length - 1].statuses)}`,
    },
    (_ratio, value) => value < 20,
  );
  bench.add({
    scenario,
    measure: 'requests/s',
    unit: '1/s',
    televisit: of(search, (r) => r.requestsPerSecond),
  });

  // Booking, checked (patients) against unchecked (their clinicians booking for them), each
  // connection its own patient and clinician, open 24 h on a 15-minute grid, no buffers.
  const connections = 8;
  const open = dailySchedule({ slotMinutes: 15 });
  const patients = await seedUsers(bench.db, bench.secret, 'patient', connections);
  const clinicians = await seedUsers(bench.db, bench.secret, 'clinician', connections, {
    schedule: open,
  });
  const perRun = bench.quick ? 1500 : 3000;
  const base = Math.ceil((Date.now() + 2 * DAY) / (30 * MINUTE)) * 30 * MINUTE;
  let round = 0;
  const bookings = (by: (c: number) => BenchUser, extra: (c: number) => object) => {
    // Every run books times of its own (runs are one window each, alternated).
    const offset = round * perRun;
    round += 1;
    return bookingRequests(
      patients.map((_, c) => by(c)),
      clinicians,
      perRun,
      base + offset * 30 * MINUTE,
      extra,
    );
  };
  const checked: Run[] = [];
  const unchecked: Run[] = [];
  for (let i = 0; i < bench.runs; i += 1) {
    checked.push(
      ...(await closedLoop(
        bookings(
          (c) => patients[c],
          () => ({}),
        ),
        1,
      )),
    );
    unchecked.push(
      ...(await closedLoop(
        bookings(
          (c) => clinicians[c],
          (c) => ({ patientId: patients[c].id }),
        ),
        1,
      )),
    );
  }
  const booking = 'slots: book, checked against the slots (patient) vs not (clinician)';
  bench.add(
    {
      scenario: booking,
      measure: 'requests/s',
      unit: '1/s',
      televisit: of(checked, (r) => r.requestsPerSecond),
      baseline: { name: 'unchecked', value: of(unchecked, (r) => r.requestsPerSecond) },
      goal: '≥ 0.8× unchecked',
      note: `statuses ${JSON.stringify(checked[checked.length - 1].statuses)} / ${JSON.stringify(
        unchecked[unchecked.length - 1].statuses,
      )}`,
    },
    (ratio) => ratio >= 0.8,
  );
  bench.add({
    scenario: booking,
    measure: 'p99',
    unit: 'ms',
    televisit: of(checked, (r) => r.p99Ms),
    baseline: { name: 'unchecked', value: of(unchecked, (r) => r.p99Ms) },
  });
}
