#!/usr/bin/env node
// Runs the Dockerfile's stages without Docker (none runs here): each stage gets its own
// directory standing in for its filesystem, WORKDIR/ENV/COPY/RUN are carried out in order, and
// the final stage's CMD is started against a real PostgreSQL and probed with the image's own
// HEALTHCHECK, then stopped with SIGTERM as `docker stop` would. Drift between the Dockerfile
// and the project (a missing file, a script that needs a dev dependency) fails here.
//
// Usage: DATABASE_URL=postgres://… [MIGRATION_DATABASE_URL=postgres://…] node scripts/dockerfile-dry-run.mjs
// (scripts/with-postgres.mjs sets both). With both, the final stage must serve as a role that
// cannot change the audit log: its start warning otherwise fails the run.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const context = resolve(dirname(new URL(import.meta.url).pathname), '..');
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('DATABASE_URL must point at a PostgreSQL server for the final stage to use');
  process.exit(2);
}
// RUN steps get an npm cache of their own, so `npm cache clean` in the image does not empty
// this machine's cache, and the next dry run starts warm.
const npmCache = join(homedir(), '.cache', 'televisit-dockerfile-npm');
const port = 3000 + Math.floor(Math.random() * 2000) + 20000;
const root = mkdtempSync(join(tmpdir(), 'televisit-dockerfile-'));
const stages = [];
let stage;

const lines = readFileSync(join(context, 'Dockerfile'), 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));

const inStage = (path) => join(stage.dir, path.startsWith('/') ? path : join(stage.workdir, path));

for (const line of lines) {
  const [instruction, ...rest] = line.split(/\s+/);
  const args = rest.join(' ');
  switch (instruction.toUpperCase()) {
    case 'FROM': {
      const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? String(stages.length);
      stage = {
        name,
        dir: join(root, name),
        workdir: '/',
        env: {},
        cmd: undefined,
        health: undefined,
      };
      mkdirSync(stage.dir, { recursive: true });
      stages.push(stage);
      console.log(`\n# stage ${name} (${args.split(/\s+/)[0]})`);
      break;
    }
    case 'WORKDIR':
      stage.workdir = args;
      mkdirSync(inStage('.'), { recursive: true });
      break;
    case 'ENV':
      for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) {
        stage.env[key] = value;
      }
      break;
    case 'COPY': {
      const parts = args.split(/\s+/);
      const from = parts[0].startsWith('--from=') ? parts.shift().slice(7) : undefined;
      const dest = parts.pop();
      for (const source of parts) {
        const src = from
          ? join(stages.find((s) => s.name === from).dir, source)
          : join(context, source);
        const target = dest.endsWith('/')
          ? join(inStage(dest), source.split('/').pop())
          : inStage(dest);
        console.log(`COPY ${from ? `${from}:` : ''}${source} -> ${dest}`);
        cpSync(src, target, { recursive: true });
      }
      break;
    }
    case 'RUN':
      console.log(`RUN ${args}`);
      execFileSync('bash', ['-c', args], {
        cwd: inStage('.'),
        stdio: 'inherit',
        env: runEnv(stage.env),
      });
      break;
    case 'CMD':
      stage.cmd = JSON.parse(args);
      break;
    case 'HEALTHCHECK':
      stage.health = JSON.parse(args.slice(args.indexOf('CMD') + 3).trim());
      break;
    case 'USER':
    case 'EXPOSE':
      break;
    default:
      throw new Error(`The dry run does not know ${instruction}; teach it`);
  }
}

function runEnv(stageEnv) {
  const env = { ...process.env, ...stageEnv, npm_config_cache: npmCache };
  delete env.DATABASE_URL;
  delete env.MIGRATION_DATABASE_URL;
  return env;
}

const final = stages.at(-1);
const env = {
  ...process.env,
  ...final.env,
  PORT: String(port),
  DATABASE_URL: databaseUrl,
  JWT_SECRET: `dry-run-${Math.random().toString(36).repeat(4)}`,
  LOG_LEVEL: 'warn',
};
console.log(`\nCMD ${final.cmd.join(' ')} (port ${port})`);
const app = spawn(final.cmd[0], final.cmd.slice(1), {
  cwd: inStage('.'),
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
app.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
});
const exited = new Promise((done) => app.on('exit', (code, signal) => done({ code, signal })));

const healthcheck = () =>
  new Promise((done) => {
    const [cmd, ...cmdArgs] = final.health.map((a) => a.replace(':3000/', `:${port}/`));
    const probe = spawn(cmd, cmdArgs, { stdio: 'ignore' });
    probe.on('exit', (code) => done(code === 0));
  });

let healthy = false;
for (let i = 0; i < 60 && !healthy && app.exitCode === null; i += 1) {
  await new Promise((r) => setTimeout(r, 1000));
  healthy = await healthcheck();
}
app.kill('SIGTERM');
const { code } = await exited;
rmSync(root, { recursive: true, force: true });
if (!healthy) {
  console.error('The final stage never passed its HEALTHCHECK');
  process.exit(1);
}
if (code !== 0) {
  console.error(`The final stage exited with ${code} on SIGTERM`);
  process.exit(1);
}
if (process.env.MIGRATION_DATABASE_URL && output.includes('The audit log is not append-only')) {
  console.error('The final stage serves as a role that can change the audit log');
  process.exit(1);
}
console.log('\nDockerfile dry run: built, served, healthy, stopped cleanly');
