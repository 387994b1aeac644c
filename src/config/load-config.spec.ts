import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DEVELOPMENT_JWT_SECRET } from './app-config';
import { AggregateConfigError, ConfigError, loadConfig } from './load-config';

const REAL_SECRET = 'f3b9c1e07a5d4c2e9b8a7f6e5d4c3b2a1908f7e6';

/** The error loadConfig throws for `env`; fails the test when it does not throw. */
function configErrorFor(env: Record<string, string | undefined>): AggregateConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof AggregateConfigError) {
      return error;
    }
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      nodeEnv: 'development',
      port: 3000,
      host: '0.0.0.0',
      metricsPort: undefined,
      publicUrl: undefined,
      logLevel: 'info',
      databaseUrl: undefined,
      migrationDatabaseUrl: undefined,
      dataDir: '.data',
      database: {
        poolSize: 20,
        acquireTimeoutMs: 2000,
        statementTimeoutMs: 2000,
        lockTimeoutMs: 1000,
      },
      embeddedPostgresPort: 54329,
      jwtSecret: DEVELOPMENT_JWT_SECRET,
      accessTokenTtlSeconds: 900,
      refreshTokenTtlSeconds: 30 * 86400,
      adminEmail: undefined,
      adminPassword: undefined,
      loginThrottle: {
        windowSeconds: 900,
        maxFailuresPerAccountAndAddress: 5,
        maxFailuresPerAccount: 100,
        maxFailuresPerAddress: 100,
      },
      registerThrottle: { windowSeconds: 3600, maxPerAddress: 20 },
      passwordHashConcurrency: Math.max(1, availableParallelism() - 1),
      passwordHashQueueLimit: 16,
      trustProxyHops: 0,
      idempotencyKeyTtlHours: 24,
      instances: { heartbeatMs: 10_000, deadAfterMs: 30_000 },
      websocket: {
        allowedOrigins: [],
        maxFramesPerSecond: 50,
        burst: 200,
        maxSocketsPerUser: 10,
        maxBufferedBytes: 4 * 1024 * 1024,
        pingIntervalMs: 25_000,
        pongTimeoutMs: 10_000,
      },
      visits: { joinEarlyMinutes: 15, resumeGraceSeconds: 30, maxParticipants: 4 },
      scheduler: { pollIntervalMs: 10_000, noShowGraceMinutes: 15 },
      ice: { stunUrls: [], turnUrls: [], turnSecret: undefined, turnCredentialMarginSeconds: 1800 },
      outreach: {
        vapidPublicKey: undefined,
        vapidPrivateKey: undefined,
        vapidSubject: undefined,
        smtpUrl: undefined,
        mailFrom: 'Televisit <televisit@localhost>',
        emailAfterSeconds: 300,
        pollIntervalMs: 1000,
        retryBaseMs: 5000,
        loopbackPushEndpoints: true,
      },
    });
  });

  it('reads the outreach settings and refuses half a VAPID pair or a bad SMTP URL', () => {
    const keys = {
      publicKey: Buffer.alloc(65, 4).toString('base64url'),
      privateKey: Buffer.alloc(32, 1).toString('base64url'),
    };
    const config = loadConfig({
      VAPID_PUBLIC_KEY: keys.publicKey,
      VAPID_PRIVATE_KEY: keys.privateKey,
      VAPID_SUBJECT: 'mailto:ops@clinic.example',
      SMTP_URL: 'smtp://mail.example:587',
      EMAIL_AFTER_SECONDS: '60',
    });
    expect(config.outreach).toMatchObject({
      vapidPublicKey: keys.publicKey,
      smtpUrl: 'smtp://mail.example:587',
      emailAfterSeconds: 60,
    });
    const error = configErrorFor({ VAPID_PUBLIC_KEY: keys.publicKey, SMTP_URL: 'http://mail' });
    expect(error.errors.map((e) => e.variable).sort()).toEqual(['SMTP_URL', 'VAPID_PRIVATE_KEY']);
    expect(configErrorFor({ VAPID_PUBLIC_KEY: 'short' }).message).toContain(
      'VAPID_PUBLIC_KEY must be 65 bytes',
    );
  });

  it('reads socket origins and ICE server lists', () => {
    const config = loadConfig({
      WS_ALLOWED_ORIGINS: 'https://app.example, http://localhost:5173',
      STUN_URLS: 'stun:stun.example:3478',
      TURN_URLS: 'turn:turn.example:3478?transport=udp,turns:turn.example:5349',
      TURN_SECRET: 'shared-secret',
    });
    expect(config.websocket.allowedOrigins).toEqual([
      'https://app.example',
      'http://localhost:5173',
    ]);
    expect(config.ice).toMatchObject({
      stunUrls: ['stun:stun.example:3478'],
      turnUrls: ['turn:turn.example:3478?transport=udp', 'turns:turn.example:5349'],
      turnSecret: 'shared-secret',
    });
  });

  it.each([
    ['WS_ALLOWED_ORIGINS', { WS_ALLOWED_ORIGINS: 'https://app.example/path' }],
    ['WS_ALLOWED_ORIGINS', { WS_ALLOWED_ORIGINS: 'not a url' }],
    ['STUN_URLS', { STUN_URLS: 'http://stun.example' }],
    ['TURN_URLS', { TURN_URLS: 'stun:wrong.example', TURN_SECRET: 's' }],
    ['TURN_SECRET', { TURN_URLS: 'turn:turn.example:3478' }],
  ])('names %s when it is wrong', (name, env) => {
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('reads PUBLIC_URL, refusing anything but an http(s) URL', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://televisit.example' }).publicUrl).toBe(
      'https://televisit.example',
    );
    expect(() => loadConfig({ PUBLIC_URL: 'televisit.example' })).toThrow(/PUBLIC_URL/);
    expect(() => loadConfig({ PUBLIC_URL: 'ftp://televisit.example' })).toThrow(/PUBLIC_URL/);
  });

  it('treats empty and blank variables as unset', () => {
    expect(loadConfig({ PORT: '', LOG_LEVEL: '   ', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      logLevel: 'info',
      databaseUrl: undefined,
    });
  });

  it('reads valid values', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://app:secret@db:5432/televisit',
      JWT_SECRET: REAL_SECRET,
      ADMIN_EMAIL: 'Root@Example.COM',
      ADMIN_PASSWORD: 'a-long-admin-password',
      TRUST_PROXY_HOPS: '1',
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'debug',
      databaseUrl: 'postgresql://app:secret@db:5432/televisit',
      jwtSecret: REAL_SECRET,
      adminEmail: 'root@example.com',
      adminPassword: 'a-long-admin-password',
      trustProxyHops: 1,
    });
  });

  it('reads the owner and serving roles apart', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://televisit_app:a@db:5432/televisit',
      MIGRATION_DATABASE_URL: 'postgres://televisit:b@db:5432/televisit',
    });
    expect(config).toMatchObject({
      databaseUrl: 'postgres://televisit_app:a@db:5432/televisit',
      migrationDatabaseUrl: 'postgres://televisit:b@db:5432/televisit',
    });
  });

  it.each([
    ['MIGRATION_DATABASE_URL', { MIGRATION_DATABASE_URL: 'postgres://owner@db/televisit' }],
    [
      'MIGRATION_DATABASE_URL',
      {
        DATABASE_URL: 'postgres://same:a@db/televisit',
        MIGRATION_DATABASE_URL: 'postgres://same:b@db/televisit',
      },
    ],
    [
      'DATABASE_URL',
      {
        DATABASE_URL: 'postgres://db/televisit',
        MIGRATION_DATABASE_URL: 'postgres://owner@db/televisit',
      },
    ],
    ['MIGRATION_DATABASE_URL', { MIGRATION_DATABASE_URL: 'mysql://owner@db/televisit' }],
  ])('refuses roles that cannot be told apart, naming %s (%j)', (variable, env) => {
    expect(configErrorFor(env).errors.map((e) => e.variable)).toEqual([variable]);
  });

  it('accepts port 0 (any free port)', () => {
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '-1' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['JWT_SECRET', { JWT_SECRET: 'too-short-secret' }],
    ['JWT_SECRET', { JWT_SECRET: 'x'.repeat(31) }],
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'not-an-email', ADMIN_PASSWORD: 'a-long-admin-password' }],
    ['ADMIN_PASSWORD', { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'short' }],
    ['ACCESS_TOKEN_TTL_SECONDS', { ACCESS_TOKEN_TTL_SECONDS: '5' }],
    ['PASSWORD_HASH_QUEUE_LIMIT', { PASSWORD_HASH_QUEUE_LIMIT: 'many' }],
    ['REGISTER_MAX_PER_ADDRESS', { REGISTER_MAX_PER_ADDRESS: '0' }],
    [
      'LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS',
      { LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: '-3' },
    ],
    ['DB_POOL_SIZE', { DB_POOL_SIZE: '1' }],
    ['DB_STATEMENT_TIMEOUT_MS', { DB_STATEMENT_TIMEOUT_MS: 'forever' }],
    ['DB_LOCK_TIMEOUT_MS', { DB_LOCK_TIMEOUT_MS: '0' }],
    ['DB_POOL_ACQUIRE_TIMEOUT_MS', { DB_POOL_ACQUIRE_TIMEOUT_MS: '-5' }],
    ['METRICS_PORT', { METRICS_PORT: 'http' }],
  ])('refuses a bad %s and names it (%j)', (variable, env) => {
    const error = configErrorFor(env);
    expect(error.message).toContain(variable);
    expect(error.errors.map((e) => e.variable)).toEqual([variable]);
    expect(error.errors[0]).toBeInstanceOf(ConfigError);
    expect(error.errors[0].message.startsWith(`${variable} `)).toBe(true);
  });

  it('refuses ADMIN_EMAIL without ADMIN_PASSWORD, naming both', () => {
    const error = configErrorFor({ ADMIN_EMAIL: 'root@example.com' });
    expect(error.errors.map((e) => e.variable)).toEqual(['ADMIN_PASSWORD']);
    expect(error.message).toContain('ADMIN_PASSWORD');
    expect(error.message).toContain('ADMIN_EMAIL');
  });

  it('refuses ADMIN_EMAIL=not-an-email even without a password', () => {
    const error = configErrorFor({ ADMIN_EMAIL: 'not-an-email' });
    expect(error.message).toContain('ADMIN_EMAIL');
  });

  it('names every bad variable in one error', () => {
    const error = configErrorFor({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      NODE_ENV: 'staging',
      DATABASE_URL: 'mysql://x',
      JWT_SECRET: 'short',
    });
    expect(error.errors.map((e) => e.variable).sort()).toEqual(
      ['DATABASE_URL', 'JWT_SECRET', 'LOG_LEVEL', 'NODE_ENV', 'PORT'].sort(),
    );
    for (const variable of ['PORT', 'LOG_LEVEL', 'NODE_ENV', 'DATABASE_URL', 'JWT_SECRET']) {
      expect(error.message).toContain(variable);
    }
  });

  describe('NODE_ENV=production', () => {
    it('refuses the development JWT secret when JWT_SECRET is unset, naming JWT_SECRET', () => {
      const error = configErrorFor({ NODE_ENV: 'production' });
      expect(error.errors.map((e) => e.variable)).toEqual(['JWT_SECRET']);
      expect(error.message).toContain('JWT_SECRET');
    });

    it('refuses the development JWT secret given explicitly', () => {
      const error = configErrorFor({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET });
      expect(error.errors.map((e) => e.variable)).toEqual(['JWT_SECRET']);
    });

    it('refuses the development database password in MIGRATION_DATABASE_URL too', () => {
      const error = configErrorFor({
        NODE_ENV: 'production',
        JWT_SECRET: REAL_SECRET,
        DATABASE_URL: 'postgres://televisit_app:real-password@db/televisit',
        MIGRATION_DATABASE_URL: 'postgres://televisit:televisit-development-only@db/televisit',
      });
      expect(error.errors.map((e) => e.variable)).toEqual(['MIGRATION_DATABASE_URL']);
    });

    it("refuses docker-compose's development TURN secret", () => {
      const error = configErrorFor({
        NODE_ENV: 'production',
        JWT_SECRET: REAL_SECRET,
        TURN_URLS: 'turn:turn.example.org:3478',
        TURN_SECRET: 'development-only-turn-secret',
      });
      expect(error.errors.map((e) => e.variable)).toEqual(['TURN_SECRET']);
    });

    it('accepts only https push endpoints and wants a VAPID subject with the keys', () => {
      const base = { NODE_ENV: 'production', JWT_SECRET: REAL_SECRET };
      expect(loadConfig(base).outreach.loopbackPushEndpoints).toBe(false);
      const error = configErrorFor({
        ...base,
        VAPID_PUBLIC_KEY: Buffer.alloc(65, 4).toString('base64url'),
        VAPID_PRIVATE_KEY: Buffer.alloc(32, 1).toString('base64url'),
      });
      expect(error.errors.map((e) => e.variable)).toEqual(['VAPID_SUBJECT']);
    });

    it('accepts a real secret of 32 characters or more', () => {
      const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET });
      expect(config.nodeEnv).toBe('production');
      expect(config.jwtSecret).toBe(REAL_SECRET);
    });

    it('accepts a secret of exactly 32 characters', () => {
      const secret = '9f86d081884c7d659a2feaa0c55ad015';
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).jwtSecret).toBe(secret);
    });

    it.each([
      ['one character repeated', 'a'.repeat(32)],
      ['two characters alternating', 'ab'.repeat(20)],
      ['a word repeated', 'password'.repeat(5)],
      ['a few digits repeated', '0123'.repeat(16)],
    ])('refuses a secret with little entropy (%s), naming JWT_SECRET', (_label, secret) => {
      const error = configErrorFor({ NODE_ENV: 'production', JWT_SECRET: secret });
      expect(error.errors.map((e) => e.variable)).toEqual(['JWT_SECRET']);
      expect(error.message).toContain('JWT_SECRET is too predictable');
    });

    it('accepts the secrets openssl rand makes', () => {
      for (const secret of [randomBytes(16).toString('hex'), randomBytes(32).toString('base64')]) {
        expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).jwtSecret).toBe(secret);
      }
    });
  });
});
