// Revenue attribution rules. Pure: no I/O.
//
// An order is attributed to the contact's most recent *human* click (bots and link previews never
// count) that happened no later than the order and no earlier than `window` days before it. The
// window is inclusive at both ends: a click exactly N days before the order still counts.
import { localDate, startOfLocalDay } from './local-time';

export const DEFAULT_ATTRIBUTION_WINDOW_DAYS = 5;
export const MAX_ATTRIBUTION_WINDOW_DAYS = 90;
const DAY_MS = 86_400_000;

/** The span of click times that can earn an order at `occurredAt`, as ISO strings (inclusive). */
export function attributionWindow(occurredAt: Date, windowDays: number): { from: string; to: string } {
  return {
    from: new Date(occurredAt.getTime() - windowDays * DAY_MS).toISOString(),
    to: occurredAt.toISOString(),
  };
}

export function isWithinWindow(clickAt: Date, occurredAt: Date, windowDays: number): boolean {
  const t = clickAt.getTime();
  return t <= occurredAt.getTime() && t >= occurredAt.getTime() - windowDays * DAY_MS;
}

/** The canonical form of a conversion request, hashed to tell a replay from a conflicting reuse. */
export function canonicalConversion(c: {
  contactId: string | null;
  phoneE164: string | null;
  valueCents: number;
  currency: string;
  occurredAt: string | null;
}): string {
  return JSON.stringify([c.contactId, c.phoneE164, c.valueCents, c.currency, c.occurredAt]);
}

/** [start, end) of the calendar month containing `at` in `timeZone`, as instants. */
export function localMonthRange(at: Date, timeZone: string): { start: Date; end: Date } {
  const today = localDate(at, timeZone);
  const first = `${today.slice(0, 7)}-01`;
  const [y, m] = [Number(today.slice(0, 4)), Number(today.slice(5, 7))];
  const next = new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
  return {
    start: new Date(startOfLocalDay(first, timeZone)),
    end: new Date(startOfLocalDay(next, timeZone)),
  };
}
