import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createScratchDatabase } from '../support/db';
import { startTestApp, TestApp } from '../support/test-app';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The first ```bash block after a heading. */
function bashBlockAfter(heading: string): string {
  const section = README.slice(README.indexOf(heading));
  const match = /```bash\n([\s\S]*?)```/.exec(section);
  if (!match) {
    throw new Error(`no bash block after ${heading}`);
  }
  return match[1];
}

/**
 * Runs a script with bash, as a reader pastes it into a terminal. Not spawnSync: the service
 * it talks to runs in this process. stdin is not a pipe (Node's pipes are sockets, and bash
 * reading from a socket takes itself for a remote shell and sources ~/.bashrc).
 */
function runBash(script: string, env: Record<string, string>) {
  const child = spawn('bash', ['-c', script], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (status) => resolve({ status, stdout, stderr })),
  );
}

describe('README (e2e)', () => {
  let t: TestApp;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

  beforeAll(async () => {
    // As the walk-through tells a newcomer to start it: a fresh service, its own database (in
    // the run's shared one, Dr Lee may be past the first page of the clinicians).
    scratch = await createScratchDatabase('televisit_readme');
    t = await startTestApp({
      ...scratch.env,
      ADMIN_EMAIL: 'admin@example.com',
      ADMIN_PASSWORD: 'change-me-please',
    });
  });
  afterAll(async () => {
    await t?.close();
    await scratch?.drop();
  });

  it('runs the API walk-through as written, against a started instance', async () => {
    const script = bashBlockAfter('## API walk-through');
    const run = await runBash(script, { API: `${t.api.baseUrl}/api` });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    // What a reader sees: health, the booking moved, the clinician told twice.
    expect(run.stdout).toContain('"database":"up"');
    expect(run.stdout).toContain('"startsAt": "2030-01-07T09:00:00.000Z"');
    // The first free slot of the clinician's Monday: 09:00 in Berlin.
    expect(run.stdout).toContain(
      '{"timeZone":"Europe/Berlin","first":[{"startsAt":"2030-01-07T08:00:00.000Z"',
    );
    expect(run.stdout).toContain('"appointment.created"');
    expect(run.stdout).toContain('"appointment.rescheduled"');
  });

  it('links only to files inside the repository, and they exist', () => {
    const targets = [...README.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((match) => match[1])
      .filter((target) => !/^https?:/.test(target));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect({ target, inside: !target.startsWith('..') }).toEqual({ target, inside: true });
      expect({ target, exists: existsSync(join(__dirname, '..', '..', target)) }).toEqual({
        target,
        exists: true,
      });
    }
  });

  it('shows every folder of src/ in its module table', () => {
    const folders = readdirSync(join(__dirname, '..', '..', 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `src/${entry.name}`);
    const listed = [...README.matchAll(/^\| `(src\/[a-z-]+)`/gm)].map((match) => match[1]);
    expect(listed.sort()).toEqual(folders.sort());
  });
});
