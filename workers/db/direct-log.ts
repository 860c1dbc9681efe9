// Direct messages in the event log (issue 12): a contact's timeline lists the replies, tests,
// confirmations and flow steps sent to them, and the tests rendered with their data; a campaign's
// log lists its test sends. Derived from the direct_messages rows (SENT, DELIVERED, FAILED), with
// `metadata.direct` = the kind and `metadata.test` = true for tests, which no stat ever counts.
import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { type DerivedFilter, derivedId, idTime, type LoggedEvent } from './message-log';

type Row = {
  id: string;
  kind: string;
  to_phone: string;
  status: string;
  parts: number | null;
  cost_cents: number | null;
  provider_message_id: string | null;
  failure_reason: string | null;
  error_code: string | null;
  sent_at: string | null;
  delivered_at: string | null;
  failed_at: string | null;
  contact_id: string | null;
  campaign_id: string | null;
  test_contact_id: string | null;
};

const COLUMNS = sql.raw(`d.id, d.kind, d.to_phone, d.status, d.parts, d.cost_cents, d.provider_message_id,
  d.failure_reason, d.error_code, d.sent_at, d.delivered_at, d.failed_at, d.contact_id`);

/** The direct-message events matching the filter, newest first (at most `limit`). */
export async function directEvents(db: Db, f: DerivedFilter, limit: number): Promise<LoggedEvent[]> {
  if (!f.campaignId && !f.contactId) return [];
  if (f.type && !['SENT', 'DELIVERED', 'FAILED'].includes(f.type)) return [];
  const branches = [];
  if (f.contactId && !f.campaignId) {
    // Sent to them (any kind), through direct_messages_contact_id_idx.
    branches.push(sql`
      SELECT ${COLUMNS}, json_extract(d.context, '$.campaignId') AS campaign_id, NULL AS test_contact_id
        FROM direct_messages d WHERE d.contact_id = ${f.contactId} AND d.tenant_id = ${f.tenantId}`);
  }
  // Tests rendered with their data, or of the campaign: test_sends' indexes, then the message by key.
  const testScope = f.campaignId
    ? sql`s.campaign_id = ${f.campaignId}${f.contactId ? sql` AND s.contact_id = ${f.contactId}` : sql``}`
    : sql`s.contact_id = ${f.contactId ?? null}`;
  branches.push(sql`
    SELECT ${COLUMNS}, s.campaign_id, s.contact_id AS test_contact_id
      FROM test_sends s JOIN direct_messages d ON d.tenant_id = s.tenant_id AND d.dedupe_key = s.dedupe_key
     WHERE ${testScope} AND s.tenant_id = ${f.tenantId}
       AND (d.contact_id IS NULL OR d.contact_id IS NOT ${f.contactId ?? null})`);
  const rows = await db.all<Row>(sql.join(branches, sql` UNION ALL `));
  const upTo = [f.until, f.before ? idTime(f.before) : undefined]
    .filter((x): x is string => Boolean(x))
    .sort()[0];
  const inWindow = (at: string | null): at is string =>
    at !== null && (!f.since || at >= f.since) && (!upTo || at <= upTo);
  const want = (t: string) => !f.type || f.type === t;
  const out: LoggedEvent[] = [];
  for (const r of rows) {
    const base = {
      contactId: f.contactId ?? r.test_contact_id ?? r.contact_id,
      campaignId: r.campaign_id,
      sendJobId: null,
      shortLinkId: null,
    };
    const metadata = {
      direct: r.kind,
      test: r.kind === 'test',
      direct_message_id: r.id,
      to: r.to_phone,
    };
    const add = async (
      type: 'SENT' | 'DELIVERED' | 'FAILED',
      at: string | null,
      extra: Record<string, unknown>,
    ) => {
      if (!want(type) || !inWindow(at)) return;
      out.push({
        ...base,
        id: await derivedId(at, `${r.id}:${type}`),
        eventType: type,
        metadata: { ...metadata, ...extra },
        createdAt: at,
      });
    };
    await add('SENT', r.provider_message_id ? r.sent_at : null, { parts: r.parts, cost_cents: r.cost_cents });
    await add('DELIVERED', r.delivered_at, {});
    await add('FAILED', r.failed_at, { reason: r.failure_reason, error_code: r.error_code });
  }
  return out
    .filter((e) => !f.before || e.id < f.before)
    .sort((a, b) => (a.id < b.id ? 1 : -1))
    .slice(0, limit);
}
