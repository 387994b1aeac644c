import { ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const ROOT = join(__dirname, '..', '..');

interface Running {
  /** The owner's (a superuser). */
  url: string;
  /** The role the service serves as. */
  servingUrl: string;
  child: ChildProcess;
}

/** Starts (or starts again) the server in a child process; resolves once it takes connections. */
function launch(dataDir: string, port: number): Promise<Running> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      join(ROOT, 'scripts', 'ts-register.cjs'),
      join(__dirname, 'own-postgres-server.ts'),
      dataDir,
      String(port),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('{'));
      if (line) {
        resolve({ ...(JSON.parse(line) as { url: string; servingUrl: string }), child });
      }
    });
    child.once('exit', (code) => reject(new Error(`own PostgreSQL exited (${code}): ${stderr}`)));
  });
}

/**
 * A PostgreSQL of one test's own (the service given it runs the migrations), that the test may stop hard, freeze
 * (SIGSTOP on the server and every backend) and start again on the same data and port. Never
 * the machine's shared server.
 */
export class OwnPostgres {
  private constructor(
    private readonly dataDir: string,
    private readonly port: number,
    private running: Running,
  ) {}

  static async start(): Promise<OwnPostgres> {
    const dataDir = await mkdtemp(join(tmpdir(), 'televisit-fault-'));
    const port = await freePort();
    return new OwnPostgres(dataDir, port, await launch(dataDir, port));
  }

  /** Both roles' URLs, as a service on this server is configured. */
  get env(): { DATABASE_URL: string; MIGRATION_DATABASE_URL: string } {
    return { DATABASE_URL: this.running.servingUrl, MIGRATION_DATABASE_URL: this.running.url };
  }

  /** Every process of the server stops running: connections stay open and nothing answers. */
  async freeze(): Promise<void> {
    await this.signalAll('SIGSTOP');
  }

  async thaw(): Promise<void> {
    await this.signalAll('SIGCONT');
  }

  /** An immediate shutdown (as `pg_ctl stop -m immediate`): connections are cut at once. */
  async stopHard(): Promise<void> {
    const server = await this.serverPid();
    process.kill(server, 'SIGQUIT');
    while (isAlive(server)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    this.running.child.kill('SIGKILL');
  }

  /** Starts the server again on the same data directory and port. */
  async restart(): Promise<void> {
    this.running = await launch(this.dataDir, this.port);
  }

  async close(): Promise<void> {
    await this.thaw().catch(() => undefined);
    const server = await this.serverPid().catch(() => undefined);
    if (server !== undefined && isAlive(server)) {
      await this.stopHard();
    }
    this.running.child.kill('SIGKILL');
    await rm(this.dataDir, { recursive: true, force: true });
  }

  private async serverPid(): Promise<number> {
    const pidFile = await readFile(join(this.dataDir, 'postgres', 'postmaster.pid'), 'utf8');
    return Number(pidFile.split('\n')[0]);
  }

  /** The server first (so it forks nothing new), then each of its children. */
  private async signalAll(signal: NodeJS.Signals): Promise<void> {
    const server = await this.serverPid();
    const children = await childrenOf(server);
    for (const pid of signal === 'SIGSTOP' ? [server, ...children] : [...children, server]) {
      try {
        process.kill(pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  }
}

async function childrenOf(parent: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // The command may hold spaces and parentheses: the fields after its last ')' are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === parent) {
      children.push(Number(entry));
    }
  }
  return children;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
