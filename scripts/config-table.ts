// Writes README's configuration table from src/config/config-variables.ts (npm run docs:config).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'prettier';
import { configTable } from '../src/config/config-variables';
import { CONFIG_TABLE_END, CONFIG_TABLE_START } from '../src/config/config-table-markers';

async function main(): Promise<void> {
  const path = join(__dirname, '..', 'README.md');
  const readme = readFileSync(path, 'utf8');
  const start = readme.indexOf(CONFIG_TABLE_START);
  const end = readme.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) {
    throw new Error(`README.md has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END}`);
  }
  const written =
    readme.slice(0, start + CONFIG_TABLE_START.length) +
    `\n\n${configTable()}\n\n` +
    readme.slice(end);
  writeFileSync(path, await format(written, { parser: 'markdown', filepath: path }));
}

void main();
