/** How a send ended, as the worker acts on it. */
export type SendResult =
  | { kind: 'sent' }
  /** Worth trying again later: the peer is busy, down or unreachable. */
  | { kind: 'temporary'; error: string }
  /** Trying again cannot help (a refused address, a bad request). */
  | { kind: 'permanent'; error: string };

const TEMPORARY_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNECTION',
  'ESOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** A failure below the protocol (no answer at all): temporary when the network may recover. */
export function networkFailure(error: unknown, prefix: string): SendResult {
  const code = errorCode(error);
  if (code && TEMPORARY_NETWORK_CODES.has(code)) {
    return { kind: 'temporary', error: `${prefix}_${code}` };
  }
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { kind: 'temporary', error: `${prefix}_TIMEOUT` };
  }
  return { kind: 'temporary', error: `${prefix}_${code ?? 'NETWORK'}` };
}

/** The system error code, also when wrapped (fetch puts it on `cause`). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') {
      return code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** RFC 8030: 429 and 5xx are the push service's own trouble; other 4xx are ours. */
export function pushStatusResult(status: number): SendResult | 'gone' {
  if (status >= 200 && status < 300) {
    return { kind: 'sent' };
  }
  if (status === 404 || status === 410) {
    return 'gone';
  }
  if (status === 429 || status >= 500) {
    return { kind: 'temporary', error: `PUSH_${status}` };
  }
  return { kind: 'permanent', error: `PUSH_${status}` };
}

/** RFC 5321: 4xx replies are transient, 5xx permanent. */
export function smtpResult(error: unknown): SendResult {
  const responseCode = (error as { responseCode?: unknown }).responseCode;
  if (typeof responseCode === 'number') {
    return responseCode >= 400 && responseCode < 500
      ? { kind: 'temporary', error: `SMTP_${responseCode}` }
      : { kind: 'permanent', error: `SMTP_${responseCode}` };
  }
  const code = errorCode(error);
  if (code === 'EENVELOPE' || code === 'EMESSAGE') {
    return { kind: 'permanent', error: `SMTP_${code}` };
  }
  return networkFailure(error, 'SMTP');
}

/** Exponential backoff with jitter: base, 2×base, 4×base … capped at an hour. */
export function retryDelayMs(attempts: number, baseMs: number, random = Math.random()): number {
  const exponential = Math.min(3_600_000, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.5 + random / 2));
}

/** After this many attempts a temporary failure is recorded as failed. */
export const MAX_ATTEMPTS = 8;
