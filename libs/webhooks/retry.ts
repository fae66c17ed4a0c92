/** Exponential backoff with full jitter: a random delay in [0, min(max, base * 2^(attempt-1))]. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 40));
  return Math.round(random() * ceiling);
}

/**
 * When to try again after `attempts` failed attempts, or null to give up: an event is retried until
 * it is `windowMs` old (72 h by default), and always gets at least one attempt.
 */
export function nextAttemptAt(
  attempts: number,
  eventCreatedAt: Date,
  now: Date,
  policy: { retryBaseMs: number; retryMaxMs: number; retryWindowMs: number },
  random: () => number = Math.random,
): Date | null {
  const at = new Date(now.getTime() + retryDelayMs(attempts, policy.retryBaseMs, policy.retryMaxMs, random));
  return at.getTime() > eventCreatedAt.getTime() + policy.retryWindowMs ? null : at;
}
