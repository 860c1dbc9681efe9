// Who may receive a campaign message. Pure: the caller loads the facts (consent, do-not-contact,
// suppression rules) and this decides, so fan-out, launch preview and the send consumer agree.

export const SKIP_REASONS = ['invalid', 'do_not_contact', 'erased', 'no_consent', 'suppressed'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export type EligibilityFacts = {
  phoneE164: string;
  consentStatus: 'explicit' | 'implied' | 'unknown';
  erasedAt: string | null;
  lastSentAt: string | null;
  onDoNotContact: boolean;
  allowUnknownConsent: boolean;
  /** From `suppressionCutoff`: a send at or after this instant suppresses the contact. */
  suppressedSince: string | null;
};

export type Eligibility = { eligible: true } | { eligible: false; reason: SkipReason };

const E164 = /^\+[1-9]\d{6,14}$/;

/** Reasons are checked in a fixed order so each contact is counted once, under the strongest reason. */
export function evaluateEligibility(f: EligibilityFacts): Eligibility {
  if (!E164.test(f.phoneE164)) return { eligible: false, reason: 'invalid' };
  if (f.onDoNotContact) return { eligible: false, reason: 'do_not_contact' };
  if (f.erasedAt !== null) return { eligible: false, reason: 'erased' };
  if (f.consentStatus === 'unknown' && !f.allowUnknownConsent)
    return { eligible: false, reason: 'no_consent' };
  if (f.suppressedSince !== null && f.lastSentAt !== null && f.lastSentAt >= f.suppressedSince) {
    return { eligible: false, reason: 'suppressed' };
  }
  return { eligible: true };
}

export type SuppressionRule = { windowDays: number; isActive: boolean; expiresAt: string | null };

const DAY_MS = 86_400_000;

/**
 * Several rules suppress a contact when any one does, which is exactly the widest active, unexpired
 * window: the earliest instant a previous send still counts. Null when no rule applies.
 * Expressing suppression as one cutoff lets SQL (launch preview) and code use the same rule.
 */
export function suppressionCutoff(rules: readonly SuppressionRule[], now: Date): string | null {
  let widest = 0;
  for (const r of rules) {
    if (!r.isActive) continue;
    if (r.expiresAt !== null && r.expiresAt <= now.toISOString()) continue;
    widest = Math.max(widest, r.windowDays);
  }
  return widest > 0 ? new Date(now.getTime() - widest * DAY_MS).toISOString() : null;
}

/** Adds one page's skipped counts to a running total. */
export function addCounts(
  total: Record<string, number>,
  page: Record<string, number>,
): Record<string, number> {
  const out = { ...total };
  for (const [k, v] of Object.entries(page)) out[k] = (out[k] ?? 0) + v;
  return out;
}
