/**
 * A token bucket: `burst` frames at once (ICE gathering sends many), refilled at
 * `perSecond`. One per user on each instance, shared by all of that user's sockets there.
 */
export class FrameBudget {
  private tokens: number;
  private refilledAt = Date.now();

  constructor(
    readonly perSecond: number,
    readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(now = Date.now()): boolean {
    const elapsed = (now - this.refilledAt) / 1000;
    this.refilledAt = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    if (this.tokens < 1) {
      return false;
    }
    this.tokens -= 1;
    return true;
  }
}
