import { availableParallelism } from 'node:os';
import { AppConfig, DEVELOPMENT_JWT_SECRET, DEVELOPMENT_MARKER } from './app-config';
import {
  ConfigError,
  email,
  Env,
  httpUrl,
  iceUrls,
  integer,
  oneOf,
  origins,
  postgresUrl,
  text,
} from './env-readers';
import { loadOutreachConfig } from './outreach-config';
import { isStrongSecret, MIN_SECRET_BITS, MIN_SECRET_DISTINCT_CHARACTERS } from './secret-strength';

export { ConfigError };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'test', 'production'] as const;

/**
 * The only reader of environment variables. Every problem is collected, so one failed start
 * names every bad variable at once.
 */
export function loadConfig(env: Env = process.env): AppConfig {
  const errors: ConfigError[] = [];
  const read = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof ConfigError) {
        errors.push(error);
        return fallback;
      }
      throw error;
    }
  };

  const nodeEnv = read(() => oneOf(env, 'NODE_ENV', NODE_ENVS, 'development'), 'development');
  const jwtSecret = read(() => {
    const secret = text(env, 'JWT_SECRET') ?? DEVELOPMENT_JWT_SECRET;
    if (secret.length < 32) {
      throw new ConfigError('JWT_SECRET', 'must be at least 32 characters long');
    }
    if (nodeEnv === 'production' && !isStrongSecret(secret)) {
      throw new ConfigError(
        'JWT_SECRET',
        `is too predictable (fewer than ${MIN_SECRET_DISTINCT_CHARACTERS} distinct characters or ` +
          `under ${MIN_SECRET_BITS} bits by its character mix); use e.g. openssl rand -base64 32`,
      );
    }
    return secret;
    // A refused secret falls back to '', so it is not reported again as a development default.
  }, '');

  const adminEmail = read(() => email(env, 'ADMIN_EMAIL'), undefined);
  const adminPassword = read(() => {
    const password = text(env, 'ADMIN_PASSWORD');
    if (adminEmail && !password) {
      throw new ConfigError('ADMIN_PASSWORD', 'is required when ADMIN_EMAIL is set');
    }
    if (password !== undefined && password.length < 12) {
      throw new ConfigError('ADMIN_PASSWORD', 'must be at least 12 characters long');
    }
    return password;
  }, undefined);

  const config: AppConfig = {
    nodeEnv,
    port: read(() => integer(env, 'PORT', 3000, 0, 65535), 0),
    host: text(env, 'HOST') ?? '0.0.0.0',
    metricsPort: read(
      () => (text(env, 'METRICS_PORT') ? integer(env, 'METRICS_PORT', 0, 0, 65535) : undefined),
      undefined,
    ),
    publicUrl: read(() => httpUrl(env, 'PUBLIC_URL'), undefined),
    logLevel: read(() => oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'), 'info'),
    databaseUrl: read(() => postgresUrl(env, 'DATABASE_URL'), undefined),
    migrationDatabaseUrl: read(() => postgresUrl(env, 'MIGRATION_DATABASE_URL'), undefined),
    dataDir: text(env, 'DATA_DIR') ?? '.data',
    database: {
      poolSize: read(() => integer(env, 'DB_POOL_SIZE', 20, 2, 1000), 2),
      acquireTimeoutMs: read(
        () => integer(env, 'DB_POOL_ACQUIRE_TIMEOUT_MS', 2_000, 100, 60_000),
        0,
      ),
      statementTimeoutMs: read(
        () => integer(env, 'DB_STATEMENT_TIMEOUT_MS', 2_000, 100, 600_000),
        0,
      ),
      lockTimeoutMs: read(() => integer(env, 'DB_LOCK_TIMEOUT_MS', 1_000, 100, 600_000), 0),
    },
    embeddedPostgresPort: read(() => integer(env, 'EMBEDDED_POSTGRES_PORT', 54329, 1, 65535), 0),
    jwtSecret,
    accessTokenTtlSeconds: read(() => integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 10, 86400), 0),
    refreshTokenTtlSeconds: read(
      () => integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86400, 60, 365 * 86400),
      0,
    ),
    adminEmail,
    adminPassword,
    loginThrottle: {
      windowSeconds: read(() => integer(env, 'LOGIN_THROTTLE_WINDOW_SECONDS', 900, 1, 86400), 0),
      maxFailuresPerAccountAndAddress: read(
        () => integer(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS', 5, 1, 1_000_000),
        0,
      ),
      maxFailuresPerAccount: read(
        () => integer(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT', 100, 1, 1_000_000),
        0,
      ),
      maxFailuresPerAddress: read(
        () => integer(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', 100, 1, 1_000_000),
        0,
      ),
    },
    registerThrottle: {
      windowSeconds: read(
        () => integer(env, 'REGISTER_THROTTLE_WINDOW_SECONDS', 3600, 1, 7 * 86400),
        0,
      ),
      maxPerAddress: read(() => integer(env, 'REGISTER_MAX_PER_ADDRESS', 20, 1, 1_000_000), 0),
    },
    passwordHashConcurrency: read(
      () =>
        integer(env, 'PASSWORD_HASH_CONCURRENCY', Math.max(1, availableParallelism() - 1), 1, 64),
      1,
    ),
    passwordHashQueueLimit: read(
      () => integer(env, 'PASSWORD_HASH_QUEUE_LIMIT', 16, 0, 100_000),
      0,
    ),
    trustProxyHops: read(() => integer(env, 'TRUST_PROXY_HOPS', 0, 0, 10), 0),
    idempotencyKeyTtlHours: read(() => integer(env, 'IDEMPOTENCY_KEY_TTL_HOURS', 24, 1, 720), 0),
    websocket: {
      allowedOrigins: read(() => origins(env, 'WS_ALLOWED_ORIGINS'), []),
      maxFramesPerSecond: read(() => integer(env, 'WS_MAX_FRAMES_PER_SECOND', 50, 1, 100_000), 0),
      burst: read(() => integer(env, 'WS_BURST', 200, 1, 1_000_000), 0),
      maxSocketsPerUser: read(() => integer(env, 'WS_MAX_SOCKETS_PER_USER', 10, 1, 1000), 0),
      maxBufferedBytes: read(
        () => integer(env, 'WS_MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 65536, 1024 ** 3),
        0,
      ),
      pingIntervalMs: read(() => integer(env, 'WS_PING_INTERVAL_MS', 25_000, 100, 600_000), 0),
      pongTimeoutMs: read(() => integer(env, 'WS_PONG_TIMEOUT_MS', 10_000, 50, 600_000), 0),
    },
    visits: {
      joinEarlyMinutes: read(() => integer(env, 'VISIT_JOIN_EARLY_MINUTES', 15, 0, 24 * 60), 0),
      resumeGraceSeconds: read(() => integer(env, 'VISIT_RESUME_GRACE_SECONDS', 30, 1, 3600), 0),
      maxParticipants: read(() => integer(env, 'VISIT_MAX_PARTICIPANTS', 4, 2, 8), 0),
    },
    instances: {
      heartbeatMs: read(() => integer(env, 'INSTANCE_HEARTBEAT_MS', 10_000, 100, 600_000), 0),
      deadAfterMs: read(() => integer(env, 'INSTANCE_DEAD_AFTER_MS', 30_000, 300, 3_600_000), 0),
    },
    scheduler: {
      pollIntervalMs: read(
        () => integer(env, 'SCHEDULER_POLL_INTERVAL_MS', 10_000, 0, 3_600_000),
        0,
      ),
      noShowGraceMinutes: read(() => integer(env, 'NO_SHOW_GRACE_MINUTES', 15, 0, 24 * 60), 0),
    },
    ice: {
      stunUrls: read(() => iceUrls(env, 'STUN_URLS', ['stun:', 'stuns:']), []),
      turnUrls: read(() => iceUrls(env, 'TURN_URLS', ['turn:', 'turns:']), []),
      turnSecret: text(env, 'TURN_SECRET'),
      turnCredentialMarginSeconds: read(
        () => integer(env, 'TURN_CREDENTIAL_MARGIN_SECONDS', 1800, 2, 86400),
        0,
      ),
    },
    outreach: loadOutreachConfig(env, nodeEnv, read, errors),
  };

  if (config.instances.deadAfterMs < 2 * config.instances.heartbeatMs) {
    errors.push(
      new ConfigError('INSTANCE_DEAD_AFTER_MS', 'must be at least twice INSTANCE_HEARTBEAT_MS'),
    );
  }

  errors.push(...databaseRoleErrors(config));

  if (config.ice.turnUrls.length > 0 && !config.ice.turnSecret) {
    errors.push(new ConfigError('TURN_SECRET', 'is required when TURN_URLS is set'));
  }

  // Defaults shipped in the repo (here and in docker-compose.yml) are marked; production
  // refuses every one of them.
  if (nodeEnv === 'production') {
    const secrets = {
      JWT_SECRET: jwtSecret,
      ADMIN_PASSWORD: adminPassword,
      DATABASE_URL: config.databaseUrl,
      MIGRATION_DATABASE_URL: config.migrationDatabaseUrl,
      TURN_SECRET: config.ice.turnSecret,
      SMTP_URL: config.outreach.smtpUrl,
    };
    for (const [name, value] of Object.entries(secrets)) {
      if (value?.includes(DEVELOPMENT_MARKER)) {
        errors.push(
          new ConfigError(
            name,
            'holds a development-only default; set your own when NODE_ENV=production',
          ),
        );
      }
    }
  }

  if (errors.length > 0) {
    throw new AggregateConfigError(errors);
  }
  return config;
}

/** Several bad settings at once; the message lists each, one per line. */
export class AggregateConfigError extends Error {
  constructor(readonly errors: ConfigError[]) {
    super(`Invalid configuration:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The owner (migrations) and the serving role must be two roles of one configured server. */
function databaseRoleErrors(config: AppConfig): ConfigError[] {
  const { databaseUrl, migrationDatabaseUrl } = config;
  if (!migrationDatabaseUrl) {
    return [];
  }
  if (!databaseUrl) {
    return [
      new ConfigError(
        'MIGRATION_DATABASE_URL',
        'needs DATABASE_URL, the role the service serves as',
      ),
    ];
  }
  const serving = new URL(databaseUrl).username;
  if (serving === '') {
    return [
      new ConfigError('DATABASE_URL', 'must name its user when MIGRATION_DATABASE_URL is set'),
    ];
  }
  if (serving === new URL(migrationDatabaseUrl).username) {
    return [
      new ConfigError(
        'MIGRATION_DATABASE_URL',
        "logs in as DATABASE_URL's user; it must be the owner's, DATABASE_URL a role that owns nothing",
      ),
    ];
  }
  return [];
}
