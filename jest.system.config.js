/**
 * System tests: need Debian packages (coturn, chromium) and the built app (`npm run build`
 * builds the web app the browser tests load). Run by `npm run test:system`.
 * @type {import('jest').Config}
 */
const base = require('./jest.config');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/system'],
  testRegex: '.*\\.system-spec\\.ts$',
  testTimeout: 120000,
  maxWorkers: 1,
};
