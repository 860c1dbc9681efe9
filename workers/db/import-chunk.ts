// One chunk of an import in one D1 transaction: its rows validated and matched to the existing
// contacts, the contacts and tags upserted, the counts and rejected rows kept (see imports.ts).
import {
  type ColumnPlan,
  type ContactState,
  type ImportDefaults,
  mergeContact,
  validateRow,
} from '../domain/csv-import';
import { MAX_TAGS_PER_CONTACT, tagKey } from '../domain/tags';
import { uuidv7 } from './ids';
import type { ImportOptions } from './import-options';
import type { BatchRow } from './imports';
import type { ConsentStatus, ImportStatus } from './schema';

/** Rejected/skipped entries kept per batch are capped so the row stays under D1's 2 MB row limit. */
const ENTRIES_SOFT_CAP = 1_000_000;
const ENTRIES_PER_CHUNK_CAP = 400_000;

type ExistingRow = {
  id: string;
  phone_e164: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  timezone: string | null;
  custom_fields: string;
  consent_status: ConsentStatus;
  consent_source: string | null;
  consent_timestamp: string | null;
  import_batch_id: string | null;
};

type Entry = { row: number; reason: string; data: Record<string, string>; skipped?: boolean };

export type ChunkOutcome = { created: number; updated: number; skipped: number; rejected: number };

type ChunkContext = { batch: BatchRow; plan: ColumnPlan; defaults: ImportDefaults; options: ImportOptions };

/**
 * One chunk in one D1 transaction: the contact upserts, the counts, the rejected rows and the
 * chunk's processed mark commit together, so a crash leaves the chunk either fully done or untouched.
 */
export async function processChunk(
  d1: D1Database,
  ctx: ChunkContext,
  chunk: { id: string; first_row: number; rows: string },
): Promise<ChunkOutcome> {
  const { batch, plan, defaults } = ctx;
  const rows = JSON.parse(chunk.rows) as string[][];
  const entries: Entry[] = [];
  const valid: { row: number; result: Extract<ReturnType<typeof validateRow>, { ok: true }> }[] = [];
  const firstRowOf = new Map<string, number>();
  let rejected = 0;
  let skipped = 0;
  rows.forEach((values, i) => {
    if (values.length === 0) return;
    const row = chunk.first_row + i;
    const result = validateRow(plan, values, defaults);
    if (!result.ok) {
      rejected++;
      entries.push({ row, reason: result.reason, data: result.data });
      return;
    }
    const first = firstRowOf.get(result.contact.phoneE164);
    if (first !== undefined) {
      skipped++;
      entries.push({
        row,
        reason: `duplicate: same phone (${result.contact.phoneE164}) as row ${first}; the first row counts`,
        data: result.data,
        skipped: true,
      });
      return;
    }
    firstRowOf.set(result.contact.phoneE164, row);
    valid.push({ row, result });
  });

  const existing = new Map<string, ExistingRow>();
  if (valid.length > 0) {
    const found = await d1
      .prepare(
        `SELECT id, phone_e164, email, first_name, last_name, timezone, custom_fields, consent_status,
                consent_source, consent_timestamp, import_batch_id
           FROM contacts WHERE tenant_id = ? AND phone_e164 IN (SELECT value FROM json_each(?))`,
      )
      .bind(batch.tenant_id, JSON.stringify(valid.map((v) => v.result.contact.phoneE164)))
      .all<ExistingRow>();
    for (const r of found.results) existing.set(r.phone_e164, r);
  }
  // Tags the existing contacts have, so a row is "updated" only when it adds one they lack.
  const tagsHad = new Map<string, Set<string>>();
  if (existing.size > 0 && valid.some((v) => v.result.contact.tags.length > 0)) {
    const rows = await d1
      .prepare(
        `SELECT contact_id, tag FROM contact_tags
          WHERE tenant_id = ? AND contact_id IN (SELECT value FROM json_each(?))`,
      )
      .bind(batch.tenant_id, JSON.stringify([...existing.values()].map((r) => r.id)))
      .all<{ contact_id: string; tag: string }>();
    for (const r of rows.results) {
      const set = tagsHad.get(r.contact_id) ?? new Set<string>();
      set.add(tagKey(r.tag));
      tagsHad.set(r.contact_id, set);
    }
  }
  const tagRows: { phone: string; tag: string }[] = [];
  /** The row's tags the contact lacks, within its 100-tag limit; queued for insertion. */
  const addTags = (phone: string, contactId: string | null, tags: string[]) => {
    const had = (contactId ? tagsHad.get(contactId) : undefined) ?? new Set<string>();
    const fresh = tags
      .filter((t) => !had.has(tagKey(t)))
      .slice(0, Math.max(0, MAX_TAGS_PER_CONTACT - had.size));
    for (const tag of fresh) tagRows.push({ phone, tag });
    return fresh.length;
  };

  const upserts: Record<string, unknown>[] = [];
  const touched: string[] = [];
  const consentChanges: Record<string, unknown>[] = [];
  let created = 0;
  let updated = 0;
  for (const { row, result } of valid) {
    const c = result.contact;
    const have = existing.get(c.phoneE164);
    if (!have) {
      created++;
      addTags(c.phoneE164, null, c.tags);
      upserts.push({
        id: uuidv7(),
        phone: c.phoneE164,
        email: c.email,
        first_name: c.firstName,
        last_name: c.lastName,
        timezone: c.timezone,
        custom_fields: c.customFields,
        consent_status: c.consentStatus,
        consent_source: c.consentSource,
        consent_timestamp: c.consentTimestamp,
      });
      continue;
    }
    // Marked by this batch already: an earlier row of this file (in an earlier chunk) had this phone.
    if (have.import_batch_id === batch.id) {
      skipped++;
      entries.push({
        row,
        reason: `duplicate: same phone (${c.phoneE164}) as an earlier row of this file; the first row counts`,
        data: result.data,
        skipped: true,
      });
      continue;
    }
    const merged = mergeContact(stateOf(have), c);
    const tagsAdded = addTags(c.phoneE164, have.id, c.tags);
    if (!merged.changed && tagsAdded === 0) {
      skipped++;
      touched.push(have.id);
      continue;
    }
    updated++;
    const n = merged.next;
    upserts.push({
      id: have.id,
      phone: c.phoneE164,
      email: n.email,
      first_name: n.firstName,
      last_name: n.lastName,
      timezone: n.timezone,
      custom_fields: n.customFields,
      consent_status: n.consentStatus,
      consent_source: n.consentSource,
      consent_timestamp: n.consentTimestamp,
    });
    if (merged.consentChange) {
      consentChanges.push({
        contact_id: have.id,
        row,
        from: merged.consentChange.from,
        to: merged.consentChange.to,
        consent_source: n.consentSource,
        consent_timestamp: n.consentTimestamp,
      });
    }
  }

  const now = new Date().toISOString();
  const statements: D1PreparedStatement[] = [
    // Guard: a chunk already processed (a redelivered message, a resumed chain racing a slow one) or a
    // batch no longer running makes json() fail, which rolls the whole transaction back.
    d1
      .prepare(
        `SELECT json(COALESCE((SELECT CASE WHEN c.processed_at IS NULL AND b.status IN ('pending', 'processing')
                 THEN '0' ELSE 'import chunk already processed' END
            FROM import_chunks c JOIN import_batches b ON b.id = c.batch_id WHERE c.id = ?), 'missing chunk'))`,
      )
      .bind(chunk.id),
  ];
  if (upserts.length > 0) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO contacts (id, tenant_id, phone_e164, email, first_name, last_name, timezone, custom_fields,
                                consent_status, consent_source, consent_timestamp, import_batch_id, created_at, updated_at)
           SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.phone'), json_extract(value, '$.email'),
                  json_extract(value, '$.first_name'), json_extract(value, '$.last_name'),
                  json_extract(value, '$.timezone'), json_extract(value, '$.custom_fields'),
                  json_extract(value, '$.consent_status'), json_extract(value, '$.consent_source'),
                  json_extract(value, '$.consent_timestamp'), ?2, ?3, ?3
             FROM json_each(?4) WHERE true
           ON CONFLICT (tenant_id, phone_e164) DO UPDATE SET
             email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
             timezone = excluded.timezone, custom_fields = excluded.custom_fields,
             consent_status = excluded.consent_status, consent_source = excluded.consent_source,
             consent_timestamp = excluded.consent_timestamp, import_batch_id = excluded.import_batch_id,
             updated_at = excluded.updated_at`,
        )
        .bind(batch.tenant_id, batch.id, now, JSON.stringify(upserts)),
    );
  }
  if (tagRows.length > 0) {
    // After the upsert, so new contacts have their rows; matched by phone, as the upsert matched them.
    statements.push(
      d1
        .prepare(
          `INSERT INTO contact_tags (tenant_id, contact_id, tag, created_at)
           SELECT ?1, c.id, json_extract(value, '$.tag'), ?2
             FROM json_each(?3) JOIN contacts c ON c.tenant_id = ?1 AND c.phone_e164 = json_extract(value, '$.phone')
            WHERE true
           ON CONFLICT (tenant_id, contact_id, tag) DO NOTHING`,
        )
        .bind(batch.tenant_id, now, JSON.stringify(tagRows)),
    );
  }
  if (touched.length > 0) {
    // Identical rows are skipped but marked, so a later duplicate of the same phone in this file is recognised.
    statements.push(
      d1
        .prepare(
          'UPDATE contacts SET import_batch_id = ?1 WHERE tenant_id = ?2 AND id IN (SELECT value FROM json_each(?3))',
        )
        .bind(batch.id, batch.tenant_id, JSON.stringify(touched)),
    );
  }
  const entriesJson = capEntries(entries);
  statements.push(
    d1
      .prepare(
        `UPDATE import_batches SET
           created_count = created_count + ?1, updated_count = updated_count + ?2,
           skipped_count = skipped_count + ?3, rejected_count = rejected_count + ?4,
           rejected_rows = CASE
             WHEN ?5 = '[]' OR length(rejected_rows) >= ?6 THEN rejected_rows
             WHEN rejected_rows = '[]' THEN ?5
             ELSE substr(rejected_rows, 1, length(rejected_rows) - 1) || ',' || substr(?5, 2) END,
           chunks_done = chunks_done + 1, heartbeat_at = ?7, status = CASE WHEN chunks_done + 1 >= chunks_total
             THEN 'completed' ELSE 'processing' END,
           completed_at = CASE WHEN chunks_done + 1 >= chunks_total THEN ?7 ELSE completed_at END
         WHERE id = ?8`,
      )
      .bind(created, updated, skipped, rejected, entriesJson, ENTRIES_SOFT_CAP, now, batch.id),
    // The raw rows are not needed once processed; dropping them keeps no stray copy of personal data.
    d1.prepare("UPDATE import_chunks SET processed_at = ?, rows = '[]' WHERE id = ?").bind(now, chunk.id),
  );
  if (consentChanges.length > 0) {
    statements.push(
      d1
        .prepare(
          `INSERT INTO audit_log (id, tenant_id, user_id, api_key_id, action, resource_type, resource_id, metadata, created_at)
           VALUES (?, ?, ?, ?, 'contact.consent_changed', 'import', ?, ?, ?)`,
        )
        .bind(
          uuidv7(),
          batch.tenant_id,
          batch.created_by,
          ctx.options.apiKeyId,
          batch.id,
          JSON.stringify({ via: 'import', changes: consentChanges }),
          now,
        ),
    );
  }
  try {
    await d1.batch(statements);
  } catch (err) {
    const state = await d1
      .prepare(
        'SELECT c.processed_at, b.status FROM import_chunks c JOIN import_batches b ON b.id = c.batch_id WHERE c.id = ?',
      )
      .bind(chunk.id)
      .first<{ processed_at: string | null; status: ImportStatus }>();
    // Someone else finished this chunk first, or the batch was stopped: nothing was written, carry on.
    if (!state || state.processed_at || (state.status !== 'pending' && state.status !== 'processing')) {
      return { created: 0, updated: 0, skipped: 0, rejected: 0 };
    }
    throw err;
  }
  return { created, updated, skipped, rejected };
}

function stateOf(r: ExistingRow): ContactState {
  let customFields: Record<string, string> = {};
  try {
    customFields = JSON.parse(r.custom_fields) as Record<string, string>;
  } catch {
    customFields = {};
  }
  return {
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    timezone: r.timezone,
    customFields,
    consentStatus: r.consent_status,
    consentSource: r.consent_source,
    consentTimestamp: r.consent_timestamp,
  };
}

/** Keeps the first entries of a chunk within its share of the batch row's size budget. */
function capEntries(entries: Entry[]): string {
  let json = JSON.stringify(entries);
  if (json.length <= ENTRIES_PER_CHUNK_CAP) return json;
  let keep = entries.length;
  while (keep > 0 && json.length > ENTRIES_PER_CHUNK_CAP) {
    keep = Math.floor(keep / 2);
    json = JSON.stringify(entries.slice(0, keep));
  }
  return json;
}
