import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { arch, platform } from 'node:os';

/** A `postgres` server process this service started, and how to stop it. */
export interface PostgresProcess {
  stop(): Promise<void>;
}

/** Why the server would not start, in Postgres's own words, and what to do about it. */
export class PostgresStartError extends Error {
  constructor(reason: string, hint: string) {
    super(`PostgreSQL did not start: ${reason}\n${hint}`);
    this.name = 'PostgresStartError';
  }
}

const READY = 'database system is ready to accept connections';

/** The `postgres` binary of the embedded-postgres package for this platform. */
export async function embeddedPostgresBinary(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = (await import(name)) as { postgres: string };
  return binaries.postgres;
}

/**
 * Starts `postgres` on a data directory, in a process group of its own: a terminal's Ctrl-C
 * goes to the whole foreground group, and the server must not stop before the service has
 * drained (the service stops it, then exits). Resolves once it takes connections; rejects
 * with the server's own FATAL lines when it exits first (the port taken, the directory in use
 * by another server).
 */
export function startPostgresProcess(
  binary: string,
  dataDir: string,
  port: number,
  log: (message: string) => void,
): Promise<PostgresProcess> {
  const child = spawn(
    binary,
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    {
      ...runAs(),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  // Should this process exit without stopping it (a crash), the server goes too.
  const orphaned = () => child.kill('SIGINT');
  process.once('exit', orphaned);
  let output = '';
  return new Promise((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      log(text);
      output = (output + text).slice(-8192);
      if (output.includes(READY)) {
        child.stderr?.off('data', onOutput);
        child.stderr?.on('data', (later: Buffer) => log(later.toString('utf8')));
        child.off('exit', onEarlyExit);
        resolve({ stop: () => stopProcess(child, orphaned) });
      }
    };
    const onEarlyExit = (code: number | null) => {
      process.off('exit', orphaned);
      reject(explain(output, code, dataDir, port));
    };
    child.stderr?.on('data', onOutput);
    child.once('exit', onEarlyExit);
    child.once('error', (error) => {
      process.off('exit', orphaned);
      reject(new PostgresStartError(error.message, `Is ${binary} there and executable?`));
    });
  });
}

/** A fast shutdown (SIGINT: connections closed, data flushed), awaited. */
function stopProcess(child: ChildProcess, orphaned: () => void): Promise<void> {
  process.off('exit', orphaned);
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGINT');
  });
}

/** Postgres refuses to run as root; as root it runs as the `postgres` user initdb ran as. */
function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) {
    return {};
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

function explain(output: string, code: number | null, dataDir: string, port: number): Error {
  const fatal = output
    .split('\n')
    .filter((line) => /FATAL|ERROR|HINT/.test(line))
    .map((line) => line.replace(/^.*?(FATAL|ERROR|HINT):\s*/, '$1: '))
    .join('\n');
  const reason = fatal || `it exited with code ${code} and said: ${output.trim() || 'nothing'}`;
  if (/lock file .* already exists|already running/i.test(output)) {
    return new PostgresStartError(
      reason,
      `Another server already uses ${dataDir}: is another \`npm start\` running from this checkout? Stop it, or give this one its own DATA_DIR and EMBEDDED_POSTGRES_PORT.`,
    );
  }
  if (/could not (bind|create listen socket)|Address already in use/i.test(output)) {
    return new PostgresStartError(
      reason,
      `Port ${port} is taken: set EMBEDDED_POSTGRES_PORT to a free one, or stop what uses it.`,
    );
  }
  return new PostgresStartError(
    reason,
    `Check ${dataDir}; to start afresh, move it away (it holds the embedded database's data).`,
  );
}
