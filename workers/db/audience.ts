// Who a campaign or a segment reaches, as SQL over `contacts c`. One implementation for the
// fan-out (workers/queues/fanout.ts pages through it), the launch preview and a campaign's
// audience count, and the segment preview: all of them call `audienceWhere` or `filterWhere`,
// which compile through workers/domain/segments/compile.ts.
//
// A campaign's audience is the tenant's contacts (never erased ones), narrowed by the older
// `import_batch_id` / `custom_field` filters and by segments: in any of `include_segment_ids`
// (none listed = everyone) and in none of `exclude_segment_ids`. At launch the segments'
// definitions and the instant their "within N days" counts from are frozen into
// `audience.snapshot` (`snapshotAudience`), so every fan-out page, however late, reads the same
// definition, and editing or deleting a segment later never changes a launched campaign.
import { type SQL, sql } from 'drizzle-orm';
import { compileFilter } from '../domain/segments/compile';
import { type Filter, type Node, segmentRefs } from '../domain/segments/grammar';
import type { SegmentDefinition } from '../domain/segments/validate';

export type AudienceSnapshot = {
  /** "Now" for within_days / not_within_days: when the campaign starts (launch, or scheduled_at). */
  at: string;
  /** The tenant's zone at launch (contacts without their own zone; date-only bounds). */
  timezone: string;
  /** Every segment the audience reaches, directly or through other segments. */
  segments: Record<string, SegmentDefinition>;
};

export type CampaignAudience = {
  import_batch_id?: string;
  custom_field?: { key: string; value: string };
  include_segment_ids?: string[];
  exclude_segment_ids?: string[];
  snapshot?: AudienceSnapshot;
};

export type Where = { clause: string; params: unknown[] };

const usesSegments = (a: CampaignAudience) =>
  (a.include_segment_ids?.length ?? 0) > 0 || (a.exclude_segment_ids?.length ?? 0) > 0;

/** include / exclude as one filter: `{all: [{any: [in A, in B]}, not_in C]}`. */
function segmentFilter(a: CampaignAudience): Filter {
  const all: Node[] = [];
  const include = a.include_segment_ids ?? [];
  if (include.length > 0) {
    all.push({ any: include.map((value) => ({ field: 'segment' as const, op: 'in' as const, value })) });
  }
  for (const value of a.exclude_segment_ids ?? []) all.push({ field: 'segment', op: 'not_in', value });
  return { all };
}

function compileInto(
  params: unknown[],
  first: number,
  filter: Filter,
  ctx: { now: Date; timezone: string; segments: ReadonlyMap<string, Filter> },
): string {
  const valuesRef = `?${first + params.length}`;
  const compiled = compileFilter(filter, { ...ctx, tenantRef: `?${first}`, valuesRef });
  // No values (is_set, an empty group...): no placeholder in the SQL, so nothing to bind.
  if (compiled.values.length > 0) params.push(JSON.stringify(compiled.values));
  return compiled.sql;
}

function definitions(s: AudienceSnapshot): Map<string, Filter> {
  return new Map(Object.entries(s.segments).map(([id, d]) => [id, d.filter]));
}

/**
 * The audience as SQL: the tenant's contacts (not erased) narrowed by the campaign's filter.
 * Placeholders are numbered from `first` so callers can put their own parameters around it.
 * An audience naming segments must carry its snapshot (`snapshotAudience`).
 */
export function audienceWhere(tenantId: string, audience: CampaignAudience, first = 1): Where {
  const params: unknown[] = [tenantId];
  const p = () => `?${first + params.length - 1}`;
  const parts = [`c.tenant_id = ${p()}`, 'c.erased_at IS NULL'];
  if (audience.import_batch_id) {
    params.push(audience.import_batch_id);
    parts.push(`c.import_batch_id = ${p()}`);
  }
  if (audience.custom_field) {
    params.push(`$."${audience.custom_field.key}"`);
    const path = p();
    params.push(audience.custom_field.value);
    parts.push(`json_extract(c.custom_fields, ${path}) = ${p()}`);
  }
  if (usesSegments(audience)) {
    const s = audience.snapshot;
    if (!s) throw new Error('audienceWhere: the audience names segments but has no snapshot');
    parts.push(
      compileInto(params, first, segmentFilter(audience), {
        now: new Date(s.at),
        timezone: s.timezone,
        segments: definitions(s),
      }),
    );
  }
  return { clause: parts.join(' AND '), params };
}

/** A segment filter (saved or being edited) as SQL over the tenant's contacts, not erased. */
export function filterWhere(
  tenantId: string,
  filter: Filter,
  ctx: { now: Date; timezone: string; segments: ReadonlyMap<string, SegmentDefinition> },
  first = 1,
): Where {
  const params: unknown[] = [tenantId];
  const segments = new Map([...ctx.segments].map(([id, d]) => [id, d.filter]));
  const sql = compileInto(params, first, filter, { now: ctx.now, timezone: ctx.timezone, segments });
  return { clause: `c.tenant_id = ?${first} AND c.erased_at IS NULL AND ${sql}`, params };
}

/**
 * A compiled audience as a drizzle condition on the `contacts` table of a drizzle query: the
 * contact is one `c` the clause accepts (a primary-key lookup per row; the clause's tag sets are
 * computed once per statement). Placeholders become drizzle's bound parameters.
 */
export function matchesWhere(w: Where, first = 1): SQL {
  const pieces = w.clause.split(/\?(\d+)/);
  const parts = pieces.map((piece, i) =>
    i % 2 === 0 ? sql.raw(piece) : sql`${w.params[Number(piece) - first]}`,
  );
  return sql`EXISTS (SELECT 1 FROM contacts c WHERE c.id = "contacts"."id" AND ${sql.join(parts)})`;
}

/**
 * Every segment reachable from `ids` (their own `segment in` conditions, and so on), by id.
 * One query per level of nesting; ids that do not exist (or are another tenant's) are absent.
 */
export async function loadSegmentGraph(
  d1: D1Database,
  tenantId: string,
  ids: readonly string[],
  maxLevels = 8,
): Promise<Map<string, SegmentDefinition>> {
  const found = new Map<string, SegmentDefinition>();
  let wanted = [...new Set(ids)];
  for (let level = 0; wanted.length > 0 && level < maxLevels; level++) {
    const rows = await d1
      .prepare(
        'SELECT id, name, filter FROM segments WHERE tenant_id = ?1 AND id IN (SELECT value FROM json_each(?2))',
      )
      .bind(tenantId, JSON.stringify(wanted))
      .all<{ id: string; name: string; filter: string }>();
    const next: string[] = [];
    for (const r of rows.results) {
      const filter = JSON.parse(r.filter) as Filter;
      found.set(r.id, { name: r.name, filter });
      for (const ref of segmentRefs(filter)) if (!found.has(ref.id)) next.push(ref.id);
    }
    wanted = [...new Set(next)].filter((id) => !found.has(id));
  }
  return found;
}

export type SnapshotResult =
  | { ok: true; audience: CampaignAudience }
  | { ok: false; errors: { path: string; message: string }[] };

/** The segments an audience names, checked: each must exist (be this tenant's). */
export function missingSegments(
  audience: CampaignAudience,
  known: { has(id: string): boolean },
  at = 'audience',
): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  for (const key of ['include_segment_ids', 'exclude_segment_ids'] as const) {
    (audience[key] ?? []).forEach((id, i) => {
      if (!known.has(id)) errors.push({ path: `${at}.${key}.${i}`, message: 'No such segment' });
    });
  }
  return errors;
}

/**
 * The audience with its segments resolved and frozen (see the top of this file). Audiences without
 * segments come back unchanged. `at` is when the campaign starts sending.
 */
export async function snapshotAudience(
  d1: D1Database,
  tenantId: string,
  audience: CampaignAudience,
  at: Date,
  timezone: string,
): Promise<SnapshotResult> {
  const { snapshot: _old, ...rest } = audience;
  if (!usesSegments(rest)) return { ok: true, audience: rest };
  const graph = await loadSegmentGraph(d1, tenantId, [
    ...(rest.include_segment_ids ?? []),
    ...(rest.exclude_segment_ids ?? []),
  ]);
  const errors = missingSegments(rest, graph);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    audience: { ...rest, snapshot: { at: at.toISOString(), timezone, segments: Object.fromEntries(graph) } },
  };
}

export type Verdicts = {
  eligible: number;
  invalid: number;
  do_not_contact: number;
  no_consent: number;
  suppressed: number;
};

/**
 * How many of the audience would get a message now and why the others would not, in the order
 * evaluateEligibility (workers/domain/eligibility.ts) decides: invalid phone, do-not-contact,
 * consent, suppression window. (Erased people are never in an audience.) One aggregate query.
 */
export async function audienceVerdicts(
  d1: D1Database,
  where: (first: number) => Where,
  policy: { allowUnknownConsent: boolean; suppressedSince: string | null },
): Promise<Verdicts> {
  const w = where(3);
  const counts = await d1
    .prepare(
      `WITH a AS (
         SELECT CASE
           WHEN NOT (c.phone_e164 GLOB '+[1-9]*' AND length(c.phone_e164) BETWEEN 8 AND 16
                     AND substr(c.phone_e164, 2) NOT GLOB '*[^0-9]*') THEN 'invalid'
           WHEN EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = c.tenant_id AND d.phone_e164 = c.phone_e164)
             THEN 'do_not_contact'
           WHEN c.consent_status = 'unknown' AND ?1 = 0 THEN 'no_consent'
           WHEN ?2 IS NOT NULL AND c.last_sent_at IS NOT NULL AND c.last_sent_at >= ?2 THEN 'suppressed'
           ELSE 'eligible' END AS verdict
         FROM contacts c WHERE ${w.clause})
       SELECT verdict, count(*) AS n FROM a GROUP BY verdict`,
    )
    .bind(policy.allowUnknownConsent ? 1 : 0, policy.suppressedSince, ...w.params)
    .all<{ verdict: keyof Verdicts; n: number }>();
  const out: Verdicts = { eligible: 0, invalid: 0, do_not_contact: 0, no_consent: 0, suppressed: 0 };
  for (const r of counts.results) out[r.verdict] = r.n;
  return out;
}
