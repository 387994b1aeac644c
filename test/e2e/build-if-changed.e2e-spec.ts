import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'build-if-changed.mjs');

/**
 * `npm start`'s build step, on a project of the test's own whose build only counts its runs
 * (and writes into dist/, as tsc does): the logic, not the compiler.
 */
describe('npm start builds only when a source changed (scripts/build-if-changed.mjs)', () => {
  let project: string;
  const builds = async () =>
    (await readFile(join(project, 'builds.log'), 'utf8').catch(() => '')).split('\n').length - 1;
  const start = () => spawnSync(process.execPath, [SCRIPT], { cwd: project, encoding: 'utf8' });

  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'televisit-build-'));
    await mkdir(join(project, 'src'));
    await writeFile(join(project, 'src', 'main.ts'), 'export {};\n');
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({
        scripts: {
          build: 'mkdir -p dist/src && echo built >> builds.log && touch dist/src/main.js',
        },
      }),
    );
  });
  afterEach(() => rm(project, { recursive: true, force: true }));

  it('builds the first time, skips while nothing changed, and builds again after a change', async () => {
    expect(start().status).toBe(0);
    expect(await builds()).toBe(1);
    expect(start().status).toBe(0);
    expect(await builds()).toBe(1);

    const later = new Date(Date.now() + 5_000);
    await utimes(join(project, 'src', 'main.ts'), later, later);
    expect(start().status).toBe(0);
    expect(await builds()).toBe(2);
  });

  it('a change to the web app (web/) builds again too', async () => {
    expect(start().status).toBe(0);
    await mkdir(join(project, 'web', 'src'), { recursive: true });
    const screen = join(project, 'web', 'src', 'app.tsx');
    await writeFile(screen, 'export {};\n');
    const later = new Date(Date.now() + 5_000);
    await utimes(screen, later, later);
    expect(start().status).toBe(0);
    expect(await builds()).toBe(2);
  });

  it('never deletes the build it replaces, so a running instance keeps its files', async () => {
    expect(start().status).toBe(0);
    await writeFile(join(project, 'dist', 'src', 'loaded-by-a-running-instance.js'), '');
    const later = new Date(Date.now() + 5_000);
    await utimes(join(project, 'src', 'main.ts'), later, later);
    expect(start().status).toBe(0);
    await expect(
      readFile(join(project, 'dist', 'src', 'loaded-by-a-running-instance.js'), 'utf8'),
    ).resolves.toBe('');
  });

  it("is what npm start runs, and the project's own build deletes nothing either", async () => {
    const own = JSON.parse(await readFile(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(own.scripts.prestart).toBe('node scripts/build-if-changed.mjs');
    expect(own.scripts.build).not.toMatch(/\brm\b|rimraf|--clean/);
  });

  it('fails the start when the build fails, and leaves no lock behind', async () => {
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ scripts: { build: 'exit 3' } }),
    );
    expect(start().status).toBe(3);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ scripts: { build: 'echo built >> builds.log' } }),
    );
    expect(start().status).toBe(0);
    expect(await builds()).toBe(1);
  });
});
