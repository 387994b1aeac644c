import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_TABLE_END, CONFIG_TABLE_START } from './config-table-markers';
import { CONFIG_VARIABLES } from './config-variables';

const ROOT = join(__dirname, '..', '..');

/** Every variable name the loader passes to its readers: `integer(env, 'PORT', …)` and so on. */
function namesTheLoaderReads(): string[] {
  const source = ['load-config.ts', 'outreach-config.ts']
    .map((file) => readFileSync(join(__dirname, file), 'utf8'))
    .join('\n');
  return [...new Set([...source.matchAll(/\(env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]))];
}

/** README's table rows as [name, default, meaning], whatever their alignment. */
function readmeRows(): string[][] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf(CONFIG_TABLE_START), readme.indexOf(CONFIG_TABLE_END));
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}

describe('the configuration variables', () => {
  it('are exactly the ones the loader reads', () => {
    const catalogued = CONFIG_VARIABLES.map((variable) => variable.name);
    expect(new Set(catalogued).size).toBe(catalogued.length);
    expect([...catalogued].sort()).toEqual(namesTheLoaderReads().sort());
  });

  it("are README's configuration table, row for row (npm run docs:config writes it)", () => {
    expect(readmeRows()).toEqual(
      CONFIG_VARIABLES.map((variable) => [
        `\`${variable.name}\``,
        variable.default,
        variable.meaning,
      ]),
    );
  });
});
