import { ConfigError, Env, integer, text, urlOf } from './env-readers';

/** Reaching people who are not connected: Web Push, email, and the delivery worker. */
export interface OutreachSettings {
  /** VAPID keys (base64url) and subject; unset: generated under DATA_DIR, or none in production. */
  vapidPublicKey: string | undefined;
  vapidPrivateKey: string | undefined;
  vapidSubject: string | undefined;
  /** `smtp://` or `smtps://`; unset: no email is sent. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** A notification still unread this long after it was made goes out by email. */
  emailAfterSeconds: number;
  /** How often this instance looks for due deliveries; 0 turns its delivery worker off. */
  pollIntervalMs: number;
  /** The first retry after a temporary failure waits this long, doubling up to an hour. */
  retryBaseMs: number;
  /** Development and test also accept loopback `http:` push endpoints (a local push service). */
  loopbackPushEndpoints: boolean;
}

export const DEVELOPMENT_VAPID_SUBJECT = 'mailto:televisit@localhost';
export const DEFAULT_MAIL_FROM = 'Televisit <televisit@localhost>';

/** Reads the outreach settings; `read` collects each problem as the main loader does. */
export function loadOutreachConfig(
  env: Env,
  nodeEnv: string,
  read: <T>(fn: () => T, fallback: T) => T,
  errors: ConfigError[],
): OutreachSettings {
  const vapidPublicKey = read(() => base64url(env, 'VAPID_PUBLIC_KEY', 65), undefined);
  const vapidPrivateKey = read(() => base64url(env, 'VAPID_PRIVATE_KEY', 32), undefined);
  if ((vapidPublicKey === undefined) !== (vapidPrivateKey === undefined)) {
    errors.push(
      new ConfigError(
        vapidPublicKey ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY',
        'must be set together with its pair (npx web-push generate-vapid-keys)',
      ),
    );
  }
  const vapidSubject = read(() => subject(env, 'VAPID_SUBJECT'), undefined);
  if (nodeEnv === 'production' && vapidPublicKey && !vapidSubject) {
    errors.push(
      new ConfigError('VAPID_SUBJECT', 'is required with VAPID keys (mailto: or https: contact)'),
    );
  }
  return {
    vapidPublicKey,
    vapidPrivateKey,
    vapidSubject,
    smtpUrl: read(() => smtpUrl(env, 'SMTP_URL'), undefined),
    mailFrom: text(env, 'MAIL_FROM') ?? DEFAULT_MAIL_FROM,
    emailAfterSeconds: read(() => integer(env, 'EMAIL_AFTER_SECONDS', 300, 0, 7 * 86400), 0),
    pollIntervalMs: read(() => integer(env, 'DELIVERY_POLL_INTERVAL_MS', 1000, 0, 3_600_000), 0),
    retryBaseMs: read(() => integer(env, 'DELIVERY_RETRY_BASE_MS', 5000, 10, 3_600_000), 0),
    loopbackPushEndpoints: nodeEnv !== 'production',
  };
}

function base64url(env: Env, name: string, bytes: number): string | undefined {
  const raw = text(env, name);
  if (raw === undefined) {
    return undefined;
  }
  if (!/^[A-Za-z0-9_-]+$/.test(raw) || Buffer.from(raw, 'base64url').length !== bytes) {
    throw new ConfigError(name, `must be ${bytes} bytes in URL-safe base64 (no padding)`);
  }
  return raw;
}

function subject(env: Env, name: string): string | undefined {
  const raw = text(env, name);
  if (raw !== undefined && !/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(raw)) {
    throw new ConfigError(name, 'must be a mailto: address or an https: URL');
  }
  return raw;
}

function smtpUrl(env: Env, name: string): string | undefined {
  return urlOf(env, name, ['smtp:', 'smtps:'], 'smtp://user:pass@mail.example:587');
}
