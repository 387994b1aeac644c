// Preloaded (-r) into every measured server, Televisit and baselines alike. On SIGUSR2 it
// collects garbage (the process runs with --expose-gc; skipped when a `.nogc` marker sits beside
// the probe file, for probes under live load) and writes its memory, CPU time and event-loop
// delay since the previous probe to BENCH_PROBE_FILE. Nothing in the service knows.
const { monitorEventLoopDelay, performance, PerformanceObserver } = require('node:perf_hooks');
const { readFileSync, unlinkSync, writeFileSync } = require('node:fs');

/** The main thread's time on a core and waiting for one (ns), where Linux tells (schedstat). */
function schedstat() {
  try {
    const [runNs, waitNs] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return { runNs: Number(runNs), waitNs: Number(waitNs) };
  } catch {
    return { runNs: 0, waitNs: 0 };
  }
}
let lastSched = schedstat();

const delay = monitorEventLoopDelay({ resolution: 2 });
delay.enable();

/** The longest garbage-collection pause since the last probe (a stall the code did not cause). */
let gcMaxMs = 0;
/** When the probe's own collections ran (performance.now()): those are not the service's. */
const probeGc = { from: 0, to: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.startTime < probeGc.from || entry.startTime > probeGc.to) {
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
    }
  }
}).observe({ entryTypes: ['gc'] });

process.on('SIGUSR2', () => {
  // CPU and event-loop figures first: the collection below must not count in them.
  const loopMaxMs = delay.max / 1e6;
  const loopP99Ms = delay.percentile(99) / 1e6;
  const gcPauseMaxMs = gcMaxMs;
  gcMaxMs = 0;
  const sched = schedstat();
  const mainRunMs = (sched.runNs - lastSched.runNs) / 1e6;
  const mainWaitMs = (sched.waitNs - lastSched.waitNs) / 1e6;
  const cpu = process.cpuUsage();
  probeGc.from = performance.now();
  // A probe under live load asks for no collection (a marker file beside the probe file).
  let collect = true;
  try {
    unlinkSync(`${process.env.BENCH_PROBE_FILE}.nogc`);
    collect = false;
  } catch {
    // No marker: collect.
  }
  if (collect && globalThis.gc) {
    globalThis.gc();
    globalThis.gc();
  }
  probeGc.to = performance.now();
  const memory = process.memoryUsage();
  const after = process.cpuUsage();
  writeFileSync(
    process.env.BENCH_PROBE_FILE,
    JSON.stringify({
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      cpuMicros: cpu.user + cpu.system,
      cpuAfterMicros: after.user + after.system,
      loopMaxMs,
      loopP99Ms,
      gcPauseMaxMs,
      mainRunMs,
      mainWaitMs,
      at: process.hrtime.bigint().toString(),
    }),
  );
  delay.reset();
  lastSched = schedstat();
});
