/** The validated, typed settings of one Televisit instance. Only `loadConfig` builds it. */
export interface AppConfig {
  nodeEnv: 'development' | 'test' | 'production';
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Unset: `npm start` runs an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPostgresPort: number;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  loginThrottle: {
    windowSeconds: number;
    maxFailuresPerAccount: number;
    maxFailuresPerAddress: number;
  };
  /** Express `trust proxy` value: how many proxy hops to believe X-Forwarded-For from. */
  trustProxyHops: number;
  idempotencyKeyTtlHours: number;
}

export const DEVELOPMENT_JWT_SECRET = 'development-only-jwt-secret-do-not-use-in-production';
