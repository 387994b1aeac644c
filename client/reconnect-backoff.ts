import { CloseCode } from './protocol.js';

export interface ReconnectOptions {
  /** Delay cap of the first retry; it doubles with every failed attempt. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Floor after a 1008 close: a client the server refuses must not retry in a tight loop. */
  policyViolationDelayMs?: number;
  /** A connection that stayed up this long resets the backoff. */
  stableAfterMs?: number;
}

/** After a 1012 every client of that instance reconnects at once: spread them over this. */
export const RESTART_SPREAD_MS = 3000;

export function reconnectDefaults(options: ReconnectOptions = {}): Required<ReconnectOptions> {
  return {
    initialDelayMs: 500,
    maxDelayMs: 30_000,
    policyViolationDelayMs: 15_000,
    stableAfterMs: 10_000,
    ...options,
  };
}

/**
 * How long to wait before the retry numbered `attempt` (0 for the first) after a close with
 * `code`. `random` is in [0, 1), as Math.random's.
 */
export function reconnectDelay(
  attempt: number,
  code: number,
  options: Required<ReconnectOptions>,
  random: () => number = Math.random,
): number {
  if (code === CloseCode.serverRestarting && attempt === 0) {
    return random() * RESTART_SPREAD_MS;
  }
  const cap = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** attempt);
  // Half fixed, half random: never zero, and a crowd dropped together comes back spread out.
  const delay = cap / 2 + (random() * cap) / 2;
  return code === CloseCode.policyViolation
    ? Math.max(delay, options.policyViolationDelayMs)
    : delay;
}
