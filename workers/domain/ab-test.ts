// A/B test with a winner (issue 12, item 4), pure. A campaign with `ab_test` first sends its
// variants (split as `pickTemplate` splits them) to a test group, waits, picks the winner by what
// the test measured, then sends only the winner to everyone else.
//
// The test group is a fixed sample of the audience as it stood when sending started: a contact is
// in it when a hash of (campaign, contact) falls under the share. Deterministic (every fan-out
// page, redelivery or restart decides the same), independent of page order and of how many
// contacts join later, and independent of the variant split. Contacts created after the campaign
// started are never in the test group: they can only get the winner.
import { fnv1a } from './ab-split';

export const AB_METRICS = ['human_click_rate', 'delivery_rate'] as const;
export type AbMetric = (typeof AB_METRICS)[number];
export const AB_SHARE_MIN = 5;
export const AB_SHARE_MAX = 50;
export const AB_WAIT_MIN = 60;
export const AB_WAIT_MAX = 72 * 60;

export type AbTestSettings = { test_share_percent: number; wait_minutes: number; metric: AbMetric };

/** Where a campaign's A/B test stands (stored in campaigns.ab_phase). */
export const AB_PHASES = ['test', 'waiting', 'winner'] as const;
export type AbPhase = (typeof AB_PHASES)[number];

/** murmur3's 32-bit finalizer: every input bit reaches every output bit (FNV-1a alone mixes its high bits poorly). */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The contact's place in [0, 10000) for this campaign's test; its own key, so unrelated to the variant split. */
export function testGroupPoint(campaignId: string, contactId: string): number {
  return fmix32(fnv1a(`ab-test:${campaignId}:${contactId}`)) % 10_000;
}

/** Is the contact in the campaign's test group (a share of `sharePercent` of the audience)? */
export function inTestGroup(campaignId: string, contactId: string, sharePercent: number): boolean {
  return testGroupPoint(campaignId, contactId) < Math.round(sharePercent * 100);
}

/**
 * Which phase of an A/B campaign reaches this contact: the test (the sample of the audience as it
 * stood when the campaign started) or the winner (everyone else, including contacts created since).
 */
export function abPhaseOf(
  campaignId: string,
  contact: { id: string; createdAt: string },
  startedAt: string,
  sharePercent: number,
): 'test' | 'winner' {
  if (contact.createdAt > startedAt) return 'winner';
  return inTestGroup(campaignId, contact.id, sharePercent) ? 'test' : 'winner';
}

/** What the test measured for one variant. */
export type VariantResult = {
  templateId: string;
  name: string | null;
  /** Test messages handed to the provider (sent, delivered, or failed after sending). */
  sent: number;
  delivered: number;
  /** Recipients with at least one human click on their personal link. */
  clickers: number;
  /** What its sent messages cost, in total (parts × price per part). */
  costCents: number;
  /** Their parts, in total. */
  parts: number;
};

export type AbDecision = {
  winnerTemplateId: string;
  /** The metric that decided (delivery rate when no template has a link). */
  metric: AbMetric;
  /** How the tie was broken, if there was one. */
  tieBreak: 'none' | 'cost' | 'id';
  reason: string;
  variants: (VariantResult & { rate: number })[];
};

type Ratio = { n: number; d: number };
const ratio = (v: VariantResult, metric: AbMetric): Ratio =>
  v.sent === 0 ? { n: 0, d: 1 } : { n: metric === 'human_click_rate' ? v.clickers : v.delivered, d: v.sent };
/** a > b → positive; exact, no floating point. */
const compareRatio = (a: Ratio, b: Ratio) => a.n * b.d - b.n * a.d;
/** Cost per message; a variant nothing was sent with has no known cost and never wins on price. */
const costRatio = (v: VariantResult): Ratio =>
  v.sent === 0 ? { n: 1, d: 0 } : { n: v.costCents, d: v.sent };
const partsRatio = (v: VariantResult): Ratio => (v.sent === 0 ? { n: 1, d: 0 } : { n: v.parts, d: v.sent });

const pct = (r: Ratio) => `${((100 * r.n) / (r.d || 1)).toFixed(1)}%`;
const label = (v: VariantResult) => `“${v.name ?? v.templateId}”`;
const perMessage = (total: number, sent: number) => {
  const x = total / sent;
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
};
const METRIC_TEXT: Record<AbMetric, { name: string; counted: string }> = {
  human_click_rate: { name: 'human click rate', counted: 'clicked' },
  delivery_rate: { name: 'delivery rate', counted: 'delivered' },
};

/**
 * The winner: the best rate of the metric (human click rate = recipients who clicked / messages
 * sent; delivery rate = delivered / sent), falling back to delivery rate when no template has a
 * link. A tie goes to the cheaper variant (cost per message sent, then parts per message), then to
 * the lower template id. The reason names the numbers that decided.
 */
export function pickWinner(
  variants: readonly VariantResult[],
  requested: AbMetric,
  hasLink: boolean,
): AbDecision {
  if (variants.length === 0) throw new Error('pickWinner: no variants');
  const metric: AbMetric = requested === 'human_click_rate' && !hasLink ? 'delivery_rate' : requested;
  const ranked = [...variants].sort(
    (a, b) =>
      -compareRatio(ratio(a, metric), ratio(b, metric)) ||
      compareRatio(costRatio(a), costRatio(b)) ||
      compareRatio(partsRatio(a), partsRatio(b)) ||
      (a.templateId < b.templateId ? -1 : a.templateId > b.templateId ? 1 : 0),
  );
  const winner = ranked[0] as VariantResult;
  const runnerUp = ranked[1];
  const tiedOnRate = !!runnerUp && compareRatio(ratio(winner, metric), ratio(runnerUp, metric)) === 0;
  const tiedOnCost =
    tiedOnRate &&
    !!runnerUp &&
    compareRatio(costRatio(winner), costRatio(runnerUp)) === 0 &&
    compareRatio(partsRatio(winner), partsRatio(runnerUp)) === 0;
  const tieBreak = !tiedOnRate ? 'none' : tiedOnCost ? 'id' : 'cost';
  const m = METRIC_TEXT[metric];
  const fallback =
    metric !== requested ? 'No template has a link, so the delivery rate decided instead of clicks. ' : '';
  const numbers = (v: VariantResult) => {
    const r = ratio(v, metric);
    return `${pct(r)} (${r.n} of ${v.sent} ${m.counted})`;
  };
  const others = ranked.slice(1);
  const totalSent = variants.reduce((a, v) => a + v.sent, 0);
  let reason: string;
  if (totalSent === 0) {
    reason = `No test message was sent (the test group was empty or could not be reached), so ${label(winner)} was chosen ${
      tieBreak === 'id' ? 'as the first template' : 'as the cheaper one'
    }.`;
  } else if (tieBreak === 'none') {
    reason = `${label(winner)} won on ${m.name}: ${numbers(winner)} against ${others
      .map((v) => `${label(v)} ${numbers(v)}`)
      .join(', ')}.`;
  } else {
    const tied = ranked.filter((v) => compareRatio(ratio(v, metric), ratio(winner, metric)) === 0);
    const tiedText = `${tied.map(label).join(' and ')} tied on ${m.name} at ${pct(ratio(winner, metric))}`;
    const rest = others.filter((v) => !tied.includes(v));
    const restText = rest.length ? ` (${rest.map((v) => `${label(v)} ${numbers(v)}`).join(', ')})` : '';
    const loser = tied[1] as VariantResult;
    reason =
      tieBreak === 'cost'
        ? `${tiedText}${restText}; ${label(winner)} won as the cheaper one: ${perMessage(winner.costCents, winner.sent)}¢ and ${perMessage(
            winner.parts,
            winner.sent,
          )} part(s) per message against ${
            loser.sent
              ? `${perMessage(loser.costCents, loser.sent)}¢ and ${perMessage(loser.parts, loser.sent)}`
              : 'unknown'
          }.`
        : `${tiedText}${restText} and cost the same per message; ${label(winner)} won as the first by template id.`;
  }
  return {
    winnerTemplateId: winner.templateId,
    metric,
    tieBreak,
    reason: fallback + reason,
    variants: variants.map((v) => {
      const r = ratio(v, metric);
      return { ...v, rate: r.n / r.d };
    }),
  };
}
