import type { OutreachSettings } from './outreach-config';

/** The validated, typed settings of one Televisit instance. Only `loadConfig` builds it. */
export interface AppConfig {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** Where `GET /metrics` is served; unset: not served. */
  metricsPort: number | undefined;
  /** Where clients reach the service (behind its proxy); https turns on HSTS. */
  publicUrl: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The role the service serves as. Unset: `npm start` runs an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * The role that owns the schema and runs the migrations, so that the serving role can be
   * one that owns nothing. Unset: migrations run as `databaseUrl` (audit log not protected).
   */
  migrationDatabaseUrl: string | undefined;
  dataDir: string;
  database: DatabaseSettings;
  embeddedPostgresPort: number;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  loginThrottle: {
    windowSeconds: number;
    /** Failures allowed for one account from one address: typos and guesses from there. */
    maxFailuresPerAccountAndAddress: number;
    /** Failures allowed for one account from all addresses together (NIST SP 800-63B: ≤ 100). */
    maxFailuresPerAccount: number;
    /** Failures from one address after which emails that failed from there are refused. */
    maxFailuresPerAddress: number;
  };
  registerThrottle: {
    windowSeconds: number;
    maxPerAddress: number;
  };
  /** argon2 computations run at once; the rest wait (default: one fewer than the cores). */
  passwordHashConcurrency: number;
  /** argon2 computations that may wait for a slot; past this, 503 at once. */
  passwordHashQueueLimit: number;
  /** Express `trust proxy` value: how many proxy hops to believe X-Forwarded-For from. */
  trustProxyHops: number;
  idempotencyKeyTtlHours: number;
  websocket: {
    /** Origins allowed to open a socket, besides the service's own; none = same origin only. */
    allowedOrigins: string[];
    maxFramesPerSecond: number;
    burst: number;
    maxSocketsPerUser: number;
    /** A socket whose unsent data passes this is closed rather than growing memory. */
    maxBufferedBytes: number;
    pingIntervalMs: number;
    pongTimeoutMs: number;
  };
  visits: {
    /** How long before its start a visit may be joined. */
    joinEarlyMinutes: number;
    /** How long a dropped participant may take to come back before the other side is told they left. */
    resumeGraceSeconds: number;
    /** At most this many people in one visit: the patient, the clinician and guests. */
    maxParticipants: number;
  };
  instances: {
    /** How often this instance tells the others it is alive (and looks for dead ones). */
    heartbeatMs: number;
    /** An instance silent this long is declared dead: its users go offline, its seats reconnecting. */
    deadAfterMs: number;
  };
  scheduler: {
    /** How often reminders and missed visits are looked for; 0 turns this instance's scheduler off. */
    pollIntervalMs: number;
    /** A scheduled visit this long past its end, never admitted, becomes a no-show. */
    noShowGraceMinutes: number;
  };
  ice: {
    stunUrls: string[];
    turnUrls: string[];
    turnSecret: string | undefined;
    /** TURN credentials stay valid this long past the visit's end (or past now, if later). */
    turnCredentialMarginSeconds: number;
  };
  outreach: OutreachSettings;
}

/** How long the service waits for its database before answering 503 instead. */
export interface DatabaseSettings {
  /** Connections in this instance's pool. */
  poolSize: number;
  /** A request waits at most this long for a connection (pool full, or the server not answering). */
  acquireTimeoutMs: number;
  /** Postgres cancels a statement running longer; the client gives up a little after. */
  statementTimeoutMs: number;
  /** Postgres gives up waiting for a row or advisory lock after this long. */
  lockTimeoutMs: number;
}

/** Marks every default secret in the repo; a production start refuses any value containing it. */
export const DEVELOPMENT_MARKER = 'development-only';
export const DEVELOPMENT_JWT_SECRET = `${DEVELOPMENT_MARKER}-jwt-secret-do-not-use-in-production`;
