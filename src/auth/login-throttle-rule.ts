/** Failures recorded in the window, and when the oldest of them was. */
export interface FailureCount {
  count: number;
  oldestAt: Date | null;
}

export interface LoginFailures {
  /** This email's failures from this address (plus attempts at it from there under way). */
  accountAtAddress: FailureCount;
  /** This email's failures from everywhere (plus attempts at it under way). */
  account: FailureCount;
  /** Every failure from this address, whatever the email. */
  address: FailureCount;
}

export interface LoginLimits {
  windowSeconds: number;
  maxFailuresPerAccountAndAddress: number;
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
}

/**
 * Seconds until a login for this email from this address may be tried, 0 if it may be now.
 *
 * - An account allows a few failures from one address, so a guesser there locks only
 *   themselves out, never the owner logging in from elsewhere.
 * - It allows many more from all addresses together (NIST SP 800-63B §5.2.2: at most 100), which
 *   bounds guessing spread over many addresses.
 * - An address past its limit holds back only the emails that have failed from there: a
 *   password sprayer gets one guess per email per window, while a colleague behind the same
 *   clinic address who has not failed is never refused for the others' failures. The rule is the
 *   same for unknown emails, so the answer does not tell which accounts exist.
 */
export function loginRetryAfterSeconds(
  failures: LoginFailures,
  limits: LoginLimits,
  now: Date,
): number {
  const waitFor = ({ count, oldestAt }: FailureCount, limit: number): number => {
    if (count < limit) {
      return 0;
    }
    const freeAt = (oldestAt?.getTime() ?? now.getTime()) + limits.windowSeconds * 1000;
    return Math.max(Math.ceil((freeAt - now.getTime()) / 1000), 1);
  };
  const failedHere = failures.accountAtAddress.count > 0;
  return Math.max(
    waitFor(failures.accountAtAddress, limits.maxFailuresPerAccountAndAddress),
    waitFor(failures.account, limits.maxFailuresPerAccount),
    failedHere ? waitFor(failures.address, limits.maxFailuresPerAddress) : 0,
  );
}
