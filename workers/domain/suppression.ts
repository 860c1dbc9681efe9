// Suppression windows: "do not text anyone we texted in the last N days". Pure (no I/O).
// A window is N × 24 hours of elapsed time, not calendar days in some timezone, so the answer is the
// same wherever the check runs and across DST changes. The same rule as `suppressionCutoff` in
// eligibility.ts: a send at or after `now − window` suppresses; a rule stops applying at its expiry.

export type SuppressionRuleFacts = { windowDays: number; isActive: boolean; expiresAt: string | null };

const DAY_MS = 86_400_000;

/** Whether the rule counts at `now`: active and not yet expired (expiry is exclusive: at `expiresAt` it is over). */
export function ruleApplies(rule: SuppressionRuleFacts, now: Date): boolean {
  if (!rule.isActive || rule.windowDays <= 0) return false;
  if (rule.expiresAt === null) return true;
  const expires = Date.parse(rule.expiresAt);
  // An unreadable expiry is treated as "still applies": suppressing too much is the safe mistake.
  return Number.isNaN(expires) || now.getTime() < expires;
}

/** True when any applicable rule's window still covers the contact's last send. */
export function isSuppressed(
  lastSentAt: Date | null,
  rules: { windowDays: number; isActive: boolean; expiresAt: string | null }[],
  now: Date,
): boolean {
  if (lastSentAt === null || Number.isNaN(lastSentAt.getTime())) return false;
  const elapsed = now.getTime() - lastSentAt.getTime();
  return rules.some((r) => ruleApplies(r, now) && elapsed <= r.windowDays * DAY_MS);
}

/** When the contact becomes sendable again under these rules (null when not suppressed now). */
export function suppressedUntil(
  lastSentAt: Date | null,
  rules: SuppressionRuleFacts[],
  now: Date,
): Date | null {
  if (!isSuppressed(lastSentAt, rules, now) || lastSentAt === null) return null;
  let until = 0;
  for (const r of rules) {
    if (!ruleApplies(r, now)) continue;
    let end = lastSentAt.getTime() + r.windowDays * DAY_MS + 1;
    if (r.expiresAt !== null && !Number.isNaN(Date.parse(r.expiresAt))) {
      end = Math.min(end, Date.parse(r.expiresAt));
    }
    until = Math.max(until, end);
  }
  return until > now.getTime() ? new Date(until) : null;
}
