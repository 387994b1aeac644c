import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Api } from './api';
import { freePort } from './free-port';
import type { Served } from './test-app';

const ROOT = join(__dirname, '..', '..');
const START_TIMEOUT_MS = 60_000;

/**
 * A Televisit instance in a process of its own: `src/main.ts` as `npm start` runs it (the
 * sources transpiled on load), so it can be killed with SIGKILL or drained with SIGTERM.
 * Shaped like a TestApp, so the visit and user factories work against it.
 */
export interface Instance extends Served {
  name: string;
  process: ChildProcess;
  close(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it wrote to stderr (a failed start, a crash), for failure messages. */
  output(): string;
  /** The messages of the log lines it wrote at warn level or above (it logs at warn). */
  warnings(): string[];
  /** The messages of the log lines it wrote at error level or above. */
  errors(): string[];
}

/**
 * `database`: the serving and owner URLs (a scratch database's `env`). Undefined: no
 * DATABASE_URL, so the instance starts its own embedded PostgreSQL (pass DATA_DIR and
 * EMBEDDED_POSTGRES_PORT in `env`), as `npm start` does on a new machine.
 */
export async function startInstance(
  name: string,
  database: { DATABASE_URL: string; MIGRATION_DATABASE_URL: string } | undefined,
  env: Record<string, string> = {},
  options: { ownProcessGroup?: boolean } = {},
): Promise<Instance> {
  const port = await freePort();
  const admin = { email: 'admin@multi.example.test', password: 'admin-password-123' };
  const child = spawn(
    process.execPath,
    ['-r', join(ROOT, 'scripts', 'ts-register.cjs'), join(ROOT, 'src', 'main.ts')],
    {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        ...database,
        ADMIN_EMAIL: admin.email,
        ADMIN_PASSWORD: admin.password,
        LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: '1000',
        LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
        LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
        REGISTER_MAX_PER_ADDRESS: '100000',
        PASSWORD_HASH_QUEUE_LIMIT: '100000',
        SCHEDULER_POLL_INTERVAL_MS: '0',
        DELIVERY_POLL_INTERVAL_MS: '0',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // As a terminal runs `npm start`: signals for the group (Ctrl-C) reach all of it.
      detached: options.ownProcessGroup ?? false,
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = new Api(baseUrl);
  const deadline = Date.now() + START_TIMEOUT_MS;
  let ready = false;
  while (!ready) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`instance ${name} did not start:\n${stderr}`);
    }
    ready = await api.get('/health/ready').then(
      (res) => res.status === 200,
      () => false,
    );
    if (!ready) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    name,
    baseUrl,
    api,
    admin,
    process: child,
    exited,
    output: () => stderr,
    warnings: () => logLines(stdout, 40),
    errors: () => logLines(stdout, 50),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}

/** The messages of the JSON log lines at `level` or above. */
function logLines(stdout: string, level: number): string[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => entry.level >= level)
    .map((entry) => entry.msg);
}

/** Unique enough for names in a shared database. */
export const tag = () => randomUUID().slice(0, 8);
