import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { Api } from './api';

export interface TestApp {
  app: NestExpressApplication;
  baseUrl: string;
  api: Api;
  admin: { email: string; password: string };
  close(): Promise<void>;
}

/** What the factories need from a running service: in this process or a child process. */
export type Served = Pick<TestApp, 'api' | 'admin' | 'baseUrl'>;

/**
 * Boots the real application (same factory as `npm start`) on a free port against the run's
 * test database. Login and registration throttling, and the bound on waiting password hashes,
 * are relaxed unless a test sets its own limits.
 */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const admin = { email: `admin-${randomUUID()}@example.test`, password: 'admin-password-123' };
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: '1000',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000',
    LOGIN_MAX_FAILURES_PER_ADDRESS: '100000',
    REGISTER_MAX_PER_ADDRESS: '100000',
    PASSWORD_HASH_QUEUE_LIMIT: '100000',
    // Tests drive the scheduler themselves (runOnce with a chosen time).
    SCHEDULER_POLL_INTERVAL_MS: '0',
    // Deliveries too (runOnce), unless a test lets the worker poll.
    DELIVERY_POLL_INTERVAL_MS: '0',
    ...env,
  });
  if (!config.databaseUrl) {
    throw new Error('DATABASE_URL is set by the global test setup');
  }
  if (env.DATABASE_URL && !env.MIGRATION_DATABASE_URL) {
    // The run's owner URL would migrate another database than the one served.
    throw new Error('Give MIGRATION_DATABASE_URL with DATABASE_URL (a scratch database: its env)');
  }
  const app = await createApp({ ...config, databaseUrl: config.databaseUrl });
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  return {
    app,
    baseUrl,
    api: new Api(baseUrl.replace('[::1]', '127.0.0.1')),
    admin,
    close: () => app.close(),
  };
}
