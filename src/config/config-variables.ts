/** One environment variable as README's configuration table shows it. */
export interface ConfigVariable {
  name: string;
  /** As shown: a literal in backticks, or a phrase in italics. */
  default: string;
  meaning: string;
}

const UNSET = '_(unset)_';

/**
 * Every variable `loadConfig` reads, in README's order: the source of README's configuration
 * table (`npm run docs:config` writes it), and checked against the loader by a spec, so the
 * two cannot drift apart.
 */
export const CONFIG_VARIABLES: ConfigVariable[] = [
  { name: 'PORT', default: '`3000`', meaning: 'where to listen' },
  { name: 'HOST', default: '`0.0.0.0`', meaning: 'the address to listen on' },
  { name: 'NODE_ENV', default: '`development`', meaning: '`development`, `test` or `production`' },
  {
    name: 'PUBLIC_URL',
    default: UNSET,
    meaning: "the service's public address (printed on start); `https://…` turns on HSTS",
  },
  { name: 'LOG_LEVEL', default: '`info`', meaning: '`fatal` … `trace`, or `silent`' },
  {
    name: 'METRICS_PORT',
    default: UNSET,
    meaning: 'where `GET /metrics` (Prometheus) is served; unset: not served. Keep it private',
  },
  {
    name: 'DATABASE_URL',
    default: UNSET,
    meaning: '`postgres://…` of the role the service serves as; unset: embedded PostgreSQL',
  },
  {
    name: 'MIGRATION_DATABASE_URL',
    default: UNSET,
    meaning:
      '`postgres://…` of the owner, who runs the migrations; unset: `DATABASE_URL` (see below)',
  },
  { name: 'DATA_DIR', default: '`.data`', meaning: "embedded PostgreSQL's data directory" },
  {
    name: 'EMBEDDED_POSTGRES_PORT',
    default: '`54329`',
    meaning: "embedded PostgreSQL's port (loopback only)",
  },
  { name: 'DB_POOL_SIZE', default: '`20`', meaning: 'database connections per instance' },
  {
    name: 'DB_POOL_ACQUIRE_TIMEOUT_MS',
    default: '`2000`',
    meaning: 'how long a request waits for a connection before 503 `SERVICE_UNAVAILABLE`',
  },
  {
    name: 'DB_STATEMENT_TIMEOUT_MS',
    default: '`2000`',
    meaning: 'a statement running longer is cancelled (503); the client gives up 0.5 s later',
  },
  {
    name: 'DB_LOCK_TIMEOUT_MS',
    default: '`1000`',
    meaning: 'how long a statement waits for a row or advisory lock (503 after)',
  },
  {
    name: 'JWT_SECRET',
    default: '_development-only_',
    meaning:
      'HS256 key, 32+ characters; required in production and must look random (`openssl rand -base64 32`)',
  },
  { name: 'ACCESS_TOKEN_TTL_SECONDS', default: '`900`', meaning: 'access token lifetime' },
  {
    name: 'REFRESH_TOKEN_TTL_SECONDS',
    default: '`2592000`',
    meaning: "a login's lifetime without refresh (slides on each refresh)",
  },
  {
    name: 'ADMIN_EMAIL',
    default: UNSET,
    meaning: 'the first admin, created on first start (idempotent)',
  },
  {
    name: 'ADMIN_PASSWORD',
    default: UNSET,
    meaning: "the first admin's password (12+ characters)",
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS',
    default: '`5`',
    meaning: 'failed logins allowed per account from one client address per window',
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_ACCOUNT',
    default: '`100`',
    meaning: "failed logins allowed per account from all addresses together (NIST's ceiling)",
  },
  {
    name: 'LOGIN_MAX_FAILURES_PER_ADDRESS',
    default: '`100`',
    meaning: 'failures from one address after which emails that failed from there are refused',
  },
  {
    name: 'LOGIN_THROTTLE_WINDOW_SECONDS',
    default: '`900`',
    meaning: 'the login throttling window',
  },
  {
    name: 'REGISTER_MAX_PER_ADDRESS',
    default: '`20`',
    meaning: 'registrations allowed per client address per window',
  },
  {
    name: 'REGISTER_THROTTLE_WINDOW_SECONDS',
    default: '`3600`',
    meaning: 'the registration throttling window',
  },
  {
    name: 'PASSWORD_HASH_CONCURRENCY',
    default: 'cores − 1 (≥ 1)',
    meaning: 'argon2 hashes computed at once; more wait, so logins never take every core',
  },
  {
    name: 'PASSWORD_HASH_QUEUE_LIMIT',
    default: '`16`',
    meaning: 'argon2 hashes that may wait; past this, 503 `SERVICE_UNAVAILABLE` at once',
  },
  {
    name: 'TRUST_PROXY_HOPS',
    default: '`0`',
    meaning:
      'proxies in front whose `X-Forwarded-For` to believe (set to 1 behind one load balancer)',
  },
  {
    name: 'IDEMPOTENCY_KEY_TTL_HOURS',
    default: '`24`',
    meaning: 'how long an `Idempotency-Key` is remembered',
  },
  {
    name: 'WS_ALLOWED_ORIGINS',
    default: UNSET,
    meaning: "comma-separated origins allowed to open a socket besides the service's own",
  },
  {
    name: 'WS_MAX_FRAMES_PER_SECOND',
    default: '`50`',
    meaning: 'frames a user may send per second (on each instance, over all their sockets there)',
  },
  {
    name: 'WS_BURST',
    default: '`200`',
    meaning: 'frames a user may send at once above that rate',
  },
  {
    name: 'WS_MAX_SOCKETS_PER_USER',
    default: '`10`',
    meaning: 'open sockets per user, counted over every instance (429 `TOO_MANY_SOCKETS` past it)',
  },
  {
    name: 'WS_MAX_BUFFERED_BYTES',
    default: '`4194304`',
    meaning: 'unsent bytes after which a socket too slow to read is closed',
  },
  { name: 'WS_PING_INTERVAL_MS', default: '`25000`', meaning: 'how often sockets are pinged' },
  {
    name: 'WS_PONG_TIMEOUT_MS',
    default: '`10000`',
    meaning: 'how long a ping may go unanswered before the socket is dropped',
  },
  {
    name: 'VISIT_JOIN_EARLY_MINUTES',
    default: '`15`',
    meaning: 'how long before its start a visit may be joined',
  },
  {
    name: 'VISIT_RESUME_GRACE_SECONDS',
    default: '`30`',
    meaning: 'how long a dropped participant has to come back before the others are told they left',
  },
  {
    name: 'VISIT_MAX_PARTICIPANTS',
    default: '`4`',
    meaning:
      'most people in one visit (2–8: the patient, the clinician and guests; media is a mesh)',
  },
  {
    name: 'INSTANCE_HEARTBEAT_MS',
    default: '`10000`',
    meaning: 'how often an instance proves itself alive to the others (and looks for dead ones)',
  },
  {
    name: 'INSTANCE_DEAD_AFTER_MS',
    default: '`30000`',
    meaning: 'silence after which an instance is declared dead (at least twice the heartbeat)',
  },
  {
    name: 'SCHEDULER_POLL_INTERVAL_MS',
    default: '`10000`',
    meaning: 'how often reminders and missed visits are looked for; `0` turns it off here',
  },
  {
    name: 'NO_SHOW_GRACE_MINUTES',
    default: '`15`',
    meaning: 'a visit never admitted this long past its end becomes `no_show`',
  },
  {
    name: 'STUN_URLS',
    default: UNSET,
    meaning: 'comma-separated `stun:` servers given to clients',
  },
  {
    name: 'TURN_URLS',
    default: UNSET,
    meaning: 'comma-separated `turn:`/`turns:` servers given to clients (needs `TURN_SECRET`)',
  },
  {
    name: 'TURN_SECRET',
    default: UNSET,
    meaning: "coturn's `static-auth-secret`: TURN credentials are made from it per user",
  },
  {
    name: 'TURN_CREDENTIAL_MARGIN_SECONDS',
    default: '`1800`',
    meaning: "how long TURN credentials stay valid past the visit's end",
  },
  {
    name: 'VAPID_PUBLIC_KEY',
    default: '_generated_',
    meaning:
      'Web Push key pair (`npx web-push generate-vapid-keys`); unset: made once under `DATA_DIR` (production: push off)',
  },
  { name: 'VAPID_PRIVATE_KEY', default: '_generated_', meaning: 'the private half of that pair' },
  {
    name: 'VAPID_SUBJECT',
    default: '`mailto:televisit@localhost`',
    meaning: 'who push services may contact (`mailto:` or `https:`); required in production',
  },
  {
    name: 'SMTP_URL',
    default: UNSET,
    meaning: '`smtp://user:pass@host:587` (or `smtps://`) for email; unset: no email',
  },
  { name: 'MAIL_FROM', default: '`Televisit <televisit@localhost>`', meaning: "emails' sender" },
  {
    name: 'EMAIL_AFTER_SECONDS',
    default: '`300`',
    meaning: 'a notification still unread this long after it was made goes out by email',
  },
  {
    name: 'DELIVERY_POLL_INTERVAL_MS',
    default: '`1000`',
    meaning: 'how often due push and email deliveries are looked for; `0` turns it off here',
  },
  {
    name: 'DELIVERY_RETRY_BASE_MS',
    default: '`5000`',
    meaning: 'first wait after a temporary delivery failure, doubling each time up to an hour',
  },
];

/** README's configuration table, as markdown (prettier aligns it). */
export function configTable(variables: ConfigVariable[] = CONFIG_VARIABLES): string {
  const rows = variables.map((v) => `| \`${v.name}\` | ${v.default} | ${v.meaning} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
