// A campaign's delivery plan (issue 12, item 5), pure: when each recipient is meant to get the
// message, grouped by UTC instant. The fan-out records what it planned for every page it wrote
// (campaigns.delivery_plan, moved with the cursor so a redelivered page never counts twice); the
// part of the audience it has not reached yet is estimated the same way from the contacts' zones.
//
// An instant is: the recipient's local `send_at_local` time (localSendInstant) or, without one,
// when sending starts; for the winner of an A/B test with local time, the first such local time
// after the winner is picked; then moved out of the recipient's quiet hours (they always win).
import {
  type LocalInstant,
  localSendInstant,
  nextLocalOccurrence,
  outsideQuietHours,
  type SendAtLocal,
} from './local-delivery';

export type PlanPhase = 'test' | 'winner' | null;

export type PlanTiming = {
  sendAtLocal: SendAtLocal | null;
  quietStart: string;
  quietEnd: string;
};

/**
 * When a recipient in `tz` is planned to get the message. `startedAt` is when the campaign started
 * sending (the instant "has it passed?" is judged at, for every page and both phases alike);
 * `decidedAt` when the A/B winner was (or is expected to be) picked, for phase 'winner'.
 */
export function plannedInstant(
  timing: PlanTiming,
  tz: string,
  phase: PlanPhase,
  startedAt: number,
  decidedAt: number | null,
): LocalInstant {
  const quiet = (at: number) => outsideQuietHours(at, tz, timing.quietStart, timing.quietEnd);
  const local = timing.sendAtLocal;
  if (!local)
    return { kind: 'on_time', at: quiet(phase === 'winner' ? (decidedAt ?? startedAt) : startedAt) };
  const first = localSendInstant(local.date, local.time, tz, startedAt, local.if_passed);
  if (first.kind === 'skipped') return first;
  if (phase !== 'winner') return { kind: first.kind, at: quiet(first.at) };
  // The winner goes out at the recipient's local time on the first day after the pick.
  const after = Math.max(first.at, decidedAt ?? first.at);
  return { kind: first.kind, at: quiet(nextLocalOccurrence(local.date, local.time, tz, after)) };
}

const zoneOk = new Map<string, boolean>();
/** `tz` when the runtime knows it, else `fallback` (a contact's zone is validated on input; old rows may not be). */
export function usableZone(tz: string | null | undefined, fallback: string): string {
  if (!tz) return fallback;
  let ok = zoneOk.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    zoneOk.set(tz, ok);
  }
  return ok ? tz : fallback;
}

/** Stored form: `{"<phase>|<ISO instant>": {n: recipients, z: [zones]}}`, small (one key per instant). */
export type RecordedPlan = Record<string, { n: number; z: string[] }>;

export type PlanEntry = {
  send_at: string;
  phase: PlanPhase;
  recipients: number;
  timezones: string[];
  /** Not written by the fan-out yet: counted from the audience as it is now. */
  estimated: boolean;
};

/** Zones listed per instant, at most (many zones share an offset). */
export const PLAN_ZONES_LISTED = 12;

const keyOf = (phase: PlanPhase, at: number) => `${phase ?? ''}|${new Date(at).toISOString()}`;

/** Adds planned recipients `{at, tz, phase}` to a recorded plan (a new object). */
export function addToPlan(
  plan: RecordedPlan,
  items: readonly { at: number; tz: string; phase: PlanPhase; count?: number }[],
): RecordedPlan {
  const out: RecordedPlan = {};
  for (const [k, v] of Object.entries(plan)) out[k] = { n: v.n, z: [...v.z] };
  for (const it of items) {
    const k = keyOf(it.phase, it.at);
    const e = out[k] ?? { n: 0, z: [] };
    e.n += it.count ?? 1;
    if (!e.z.includes(it.tz) && e.z.length < PLAN_ZONES_LISTED) e.z.push(it.tz);
    out[k] = e;
  }
  return out;
}

/** How many recipients the recorded plan has at each instant of a phase: where the next page continues. */
export function plannedCounts(plan: RecordedPlan, phase: PlanPhase): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, v] of Object.entries(plan)) {
    const [p, iso] = k.split('|') as [string, string];
    if ((p || null) === phase) out.set(Date.parse(iso), v.n);
  }
  return out;
}

/** A recorded plan as entries (recorded = not estimated). */
export function recordedEntries(plan: RecordedPlan): PlanEntry[] {
  return Object.entries(plan).map(([k, v]) => {
    const [p, iso] = k.split('|') as [string, string];
    return {
      send_at: iso,
      phase: (p || null) as PlanPhase,
      recipients: v.n,
      timezones: [...v.z].sort(),
      estimated: false,
    };
  });
}

export type ZoneCount = { tz: string; count: number };

/**
 * The plan of recipients not fanned out yet, from how many eligible contacts each zone has:
 * `share` of them (an A/B phase's expected part) at each zone's planned instant. Also counts who
 * would be skipped or moved to the next day because their local time has passed.
 */
export function estimateEntries(
  zones: readonly ZoneCount[],
  timing: PlanTiming,
  phase: PlanPhase,
  share: number,
  startedAt: number,
  decidedAt: number | null,
): { entries: PlanEntry[]; skipped: number; nextDay: number; onTime: number } {
  let plan: RecordedPlan = {};
  let skipped = 0;
  let nextDay = 0;
  let onTime = 0;
  for (const z of zones) {
    const count = Math.round(z.count * share);
    if (count === 0) continue;
    const r = plannedInstant(timing, z.tz, phase, startedAt, decidedAt);
    if (r.kind === 'skipped') {
      skipped += count;
      continue;
    }
    if (r.kind === 'next_day') nextDay += count;
    else onTime += count;
    plan = addToPlan(plan, [{ at: r.at, tz: z.tz, phase, count }]);
  }
  return {
    entries: mergeEntries(recordedEntries(plan).map((e) => ({ ...e, estimated: true }))),
    skipped,
    nextDay,
    onTime,
  };
}

/** Entries of the same phase and instant merged, in time order. */
export function mergeEntries(entries: readonly PlanEntry[]): PlanEntry[] {
  const byKey = new Map<string, PlanEntry>();
  for (const e of entries) {
    const k = `${e.phase ?? ''}|${e.send_at}`;
    const prev = byKey.get(k);
    if (!prev) {
      byKey.set(k, { ...e, timezones: [...e.timezones] });
      continue;
    }
    prev.recipients += e.recipients;
    prev.estimated = prev.estimated || e.estimated;
    for (const z of e.timezones)
      if (!prev.timezones.includes(z) && prev.timezones.length < PLAN_ZONES_LISTED) prev.timezones.push(z);
    prev.timezones.sort();
  }
  const phaseOrder = (p: PlanPhase) => (p === 'test' ? 0 : p === null ? 1 : 2);
  return [...byKey.values()]
    .filter((e) => e.recipients > 0)
    .sort(
      (a, b) =>
        phaseOrder(a.phase) - phaseOrder(b.phase) ||
        (a.send_at < b.send_at ? -1 : a.send_at > b.send_at ? 1 : 0),
    );
}
