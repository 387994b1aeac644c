import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const TS = join(ROOT, 'scripts', 'ts-register.cjs');
const PROBE = join(__dirname, 'probe.cjs');

export interface Probe {
  rss: number;
  heapUsed: number;
  /** CPU time before this probe's own garbage collection, and after it. */
  cpuMicros: number;
  cpuAfterMicros: number;
  loopMaxMs: number;
  loopP99Ms: number;
  /** The longest garbage-collection pause in the window (the probe's own left out). */
  gcPauseMaxMs: number;
  /** Since the last probe: the main thread's time on a core, and runnable but waiting for one. */
  mainRunMs: number;
  mainWaitMs: number;
}

/** A measured server process (Televisit or a baseline) with the probe preloaded. */
export class Server {
  readonly exited: Promise<void>;
  private stderr = '';

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly port: number,
    private readonly probeFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts `script` (TypeScript) and waits for it to serve. */
  static async start(
    name: string,
    script: string,
    env: Record<string, string>,
    ready: (server: Server) => Promise<boolean>,
    port: number,
    nodeArgs: string[] = [],
  ): Promise<Server> {
    const probeFile = join(tmpdir(), `bench-probe-${randomBytes(6).toString('hex')}`);
    const child = spawn(
      process.execPath,
      [...nodeArgs, '--expose-gc', '-r', TS, '-r', PROBE, join(ROOT, script)],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, BENCH_PROBE_FILE: probeFile, PORT: String(port), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new Server(name, child, port, probeFile);
    child.stdout?.resume();
    child.stderr?.on('data', (chunk: Buffer) => (server.stderr += chunk.toString('utf8')));
    const deadline = Date.now() + 60_000;
    while (!(await ready(server).catch(() => false))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name} did not start:\n${server.stderr}`);
      }
      await sleep(100);
    }
    return server;
  }

  /** Memory after a full GC, CPU time so far, and event-loop delay since the last probe. */
  /**
   * The process's figures since the last probe. With `collect` (the default) it first collects
   * garbage, for memory figures; two full collections stall it for a while (100–250 ms with
   * 2,000 sockets here), so probes taken under live load pass `collect: false`.
   */
  async probe(options: { collect?: boolean } = {}): Promise<Probe> {
    const before = this.readProbe()?.at;
    if (options.collect === false) {
      writeFileSync(`${this.probeFile}.nogc`, '');
    }
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = this.readProbe();
      if (probe && probe.at !== before) {
        return probe;
      }
      if (Date.now() > deadline) {
        throw new Error(`${this.name} did not answer the probe`);
      }
      await sleep(10);
    }
  }

  private readProbe(): (Probe & { at: string }) | undefined {
    try {
      return JSON.parse(readFileSync(this.probeFile, 'utf8')) as Probe & { at: string };
    } catch {
      return undefined; // not written yet, or caught mid-write
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(killer);
    }
    try {
      unlinkSync(this.probeFile);
    } catch {
      // Never probed.
    }
  }
}

/** Runs a load generator (TypeScript) in its own process; resolves with its JSON result. */
export function runLoad<T>(script: string, input: unknown, timeoutMs = 300_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawnLoad(script, input, 'ignore');
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${script} failed (${code}):\n${err}\n${out}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${script} printed no result:\n${err}\n${out}`));
      }
    });
  });
}

/** A load generator that stays up (idle sockets): started, then told to stop via stdin. */
export function holdLoad(script: string, input: unknown) {
  const child = spawnLoad(script, input, 'pipe');
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    const parts = out.split('\n');
    out = parts.pop() ?? '';
    for (const line of parts) {
      const waiter = waiters.shift();
      if (waiter) {
        waiter(line);
      } else {
        lines.push(line);
      }
    }
  });
  return {
    /** The next line the generator prints (JSON). */
    next<T>(timeoutMs = 300_000): Promise<T> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${script}: no answer\n${err}`)),
          timeoutMs,
        );
        const take = (line: string) => {
          clearTimeout(timer);
          resolve(JSON.parse(line) as T);
        };
        const line = lines.shift();
        if (line !== undefined) {
          take(line);
        } else {
          waiters.push(take);
        }
        child.once('exit', (code) => code !== 0 && reject(new Error(`${script} died:\n${err}`)));
      });
    },
    async stop(): Promise<void> {
      child.stdin?.end();
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

function spawnLoad(script: string, input: unknown, stdin: 'pipe' | 'ignore'): ChildProcess {
  const file = join(tmpdir(), `bench-input-${randomBytes(6).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(input));
  const child = spawn(process.execPath, ['-r', TS, join(ROOT, script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, BENCH_INPUT_FILE: file },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  child.once('exit', () => unlinkSync(file));
  return child;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
