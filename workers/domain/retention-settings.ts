// Retention settings (issue 9), read from wrangler.toml [vars]: whole days. A missing value takes
// its default; a malformed one also takes its default, and the health check reports it so a typo
// is noticed instead of silently keeping data longer (or shorter) than intended.

export type RetentionSettings = {
  /** Webhook payloads keep only their non-personal keys after this many days. */
  webhookPayloadDays: number;
  /** Magic tokens are deleted this many days after they expire. */
  magicTokenDays: number;
  /** Sessions are deleted this many days after they expire. */
  sessionDays: number;
  /** Expired short links lose their target and person this many days after expiry. */
  shortLinkDays: number;
  /** Retried or discarded dead letters are deleted this many days after resolution. */
  deadLetterDays: number;
  /**
   * A completed campaign's per-message rows are rolled up, archived to R2 and deleted from D1 this
   * many days after it completed (issue 11, docs/lifecycle.md).
   */
  campaignDetailDays: number;
};

export type OpsSettings = RetentionSettings & {
  /** GET /healthz fails when more dead letters than this are pending. */
  deadLettersMaxPending: number;
};

type Spec = { key: keyof OpsSettings; variable: string; fallback: number; min: number; max: number };

const SPECS: Spec[] = [
  // At least a day: reconciliation reads an orphaned status callback's payload for hours after it came.
  { key: 'webhookPayloadDays', variable: 'RETENTION_WEBHOOK_PAYLOAD_DAYS', fallback: 30, min: 1, max: 3650 },
  { key: 'magicTokenDays', variable: 'RETENTION_MAGIC_TOKEN_DAYS', fallback: 1, min: 0, max: 3650 },
  { key: 'sessionDays', variable: 'RETENTION_SESSION_DAYS', fallback: 0, min: 0, max: 3650 },
  { key: 'shortLinkDays', variable: 'RETENTION_SHORT_LINK_DAYS', fallback: 180, min: 0, max: 3650 },
  { key: 'deadLetterDays', variable: 'RETENTION_DEAD_LETTER_DAYS', fallback: 30, min: 0, max: 3650 },
  // At least a day: late receipts and replies (attributed for 7 days) land on the detail rows.
  { key: 'campaignDetailDays', variable: 'RETENTION_CAMPAIGN_DETAIL_DAYS', fallback: 90, min: 1, max: 36500 },
  { key: 'deadLettersMaxPending', variable: 'DEAD_LETTERS_MAX_PENDING', fallback: 0, min: 0, max: 1_000_000 },
];

export const DEFAULT_SETTINGS: OpsSettings = Object.fromEntries(
  SPECS.map((s) => [s.key, s.fallback]),
) as OpsSettings;

/** The effective settings and a sentence for every variable that was malformed (default used). */
export function opsSettings(vars: Partial<Record<string, unknown>>): {
  settings: OpsSettings;
  problems: string[];
} {
  const settings = { ...DEFAULT_SETTINGS };
  const problems: string[] = [];
  for (const s of SPECS) {
    const raw = vars[s.variable];
    if (raw === undefined || raw === null || String(raw).trim() === '') continue;
    const text = String(raw).trim();
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < s.min || n > s.max) {
      problems.push(
        `${s.variable} is "${text.slice(0, 20)}", not a whole number from ${s.min} to ${s.max}; using ${s.fallback}`,
      );
      continue;
    }
    settings[s.key] = n;
  }
  return { settings, problems };
}

/** One line for the health page: the effective values. */
export function describeSettings(s: OpsSettings): string {
  return (
    `retention: webhook payloads ${s.webhookPayloadDays} d, magic tokens ${s.magicTokenDays} d and sessions ` +
    `${s.sessionDays} d after expiry, expired short links ${s.shortLinkDays} d, resolved dead letters ` +
    `${s.deadLetterDays} d, completed campaigns' detail rows archived after ${s.campaignDetailDays} d; dead-letter alarm above ${s.deadLettersMaxPending} pending`
  );
}

const DAY_MS = 86_400_000;

/** `now` minus whole days, as the ISO text the tables store. */
export function daysBefore(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/**
 * The smallest UUIDv7 created at `at`: every id created earlier sorts below it. Rows keyed by
 * UUIDv7 (webhook_events) are range-scanned by arrival time through their id.
 */
export function uuidv7LowerBound(at: Date): string {
  const hex = Math.max(0, Math.floor(at.getTime())).toString(16).padStart(12, '0').slice(-12);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
