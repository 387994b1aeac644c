/** At most this many messages from one person in one visit per window. */
export const CHAT_MESSAGES_PER_WINDOW = 20;
export const CHAT_WINDOW_MS = 10_000;

/**
 * A sliding window of send times per key (a sender in a visit), kept per instance: enough to
 * stop a flood (a stuck client, a script) without a database round trip per message.
 */
export class ChatRate {
  private readonly sent = new Map<string, number[]>();

  constructor(
    private readonly limit = CHAT_MESSAGES_PER_WINDOW,
    private readonly windowMs = CHAT_WINDOW_MS,
  ) {}

  /** Counts one send for `key` at `now`; false (and nothing counted) when over the limit. */
  take(key: string, now: number): boolean {
    const since = now - this.windowMs;
    const times = (this.sent.get(key) ?? []).filter((at) => at > since);
    if (times.length >= this.limit) {
      this.sent.set(key, times);
      return false;
    }
    times.push(now);
    this.sent.set(key, times);
    this.forgetIdle(since);
    return true;
  }

  /** Drops keys with nothing left in their window, now and then, so the map stays small. */
  private forgetIdle(since: number): void {
    if (this.sent.size < 1000) {
      return;
    }
    for (const [key, times] of this.sent) {
      if (times[times.length - 1] <= since) {
        this.sent.delete(key);
      }
    }
  }
}
