// The database side of the opt-out link (issue 10), on the shard the token names: who a message
// went to and from whom, and putting that number on the tenant's do-not-contact list. Only the
// shard is needed (tenants and senders are copied there), so the link-only Worker serves it too.
import { uuidv7 } from '../db/ids';
import { MOVING_SHARD, type Shard, shardNamed, shards } from '../db/shards';

export type OptOutTarget = {
  jobId: string;
  tenantId: string;
  campaignId: string;
  contactId: string;
  phone: string;
  erased: boolean;
  /** The business, as it names itself in messages (tenant sender name, else its name). */
  sender: string;
  /** The alphanumeric ID the message came from, when it did (shown next to the business). */
  senderId: string | null;
  alreadyOptedOut: boolean;
  /** The tenant's home shard as this shard's copy of the tenant names it. */
  home: string;
};

type Row = {
  id: string;
  tenant_id: string;
  campaign_id: string;
  contact_id: string;
  phone_e164: string;
  erased_at: string | null;
  sender: string;
  sender_id: string | null;
  opted_out: number;
  home: string;
};

/** The message a verified token names, or null when it no longer exists. One read. */
export async function findOptOutTarget(shard: Shard, jobId: string): Promise<OptOutTarget | null> {
  const row = await shard.d1
    .prepare(
      `SELECT j.id, j.tenant_id, j.campaign_id, j.contact_id, c.phone_e164, c.erased_at,
              COALESCE(NULLIF(t.sender_name, ''), t.name) AS sender, t.shard AS home,
              CASE WHEN n.kind = 'alphanumeric' THEN n.sender_id END AS sender_id,
              EXISTS (SELECT 1 FROM do_not_contact d
                       WHERE d.tenant_id = j.tenant_id AND d.phone_e164 = c.phone_e164) AS opted_out
         FROM send_jobs j
         JOIN contacts c ON c.id = j.contact_id
         JOIN tenants t ON t.id = j.tenant_id
         LEFT JOIN sending_numbers n ON n.id = j.sending_number_id
        WHERE j.id = ?1`,
    )
    .bind(jobId)
    .first<Row>();
  if (!row) return null;
  return {
    jobId: row.id,
    tenantId: row.tenant_id,
    campaignId: row.campaign_id,
    contactId: row.contact_id,
    phone: row.phone_e164,
    erased: row.erased_at !== null,
    sender: row.sender,
    senderId: row.sender_id,
    alreadyOptedOut: row.opted_out === 1,
    home: row.home,
  };
}

/**
 * Where the message's tenant lives now. The token names the shard the message was sent from; a
 * tenant moved since (`npm run ops -- tenant move`) has its rows on another shard: the hinted
 * shard's copy names the new home while both hold them, and once the old rows are deleted the
 * other shards are asked. 'moving' while a move is under way (nothing may be written then).
 */
export async function locateOptOutTarget(
  env: Env,
  hinted: Shard,
  jobId: string,
): Promise<{ shard: Shard; target: OptOutTarget } | 'moving' | null> {
  const here = await findOptOutTarget(hinted, jobId);
  if (here) {
    if (MOVING_SHARD.test(here.home)) return 'moving';
    const home = here.home === hinted.name ? null : shardNamed(env, here.home);
    const moved = home ? await findOptOutTarget(home, jobId) : null;
    return home && moved ? { shard: home, target: moved } : { shard: hinted, target: here };
  }
  const others = shards(env).filter((s) => s.name !== hinted.name);
  const found = await Promise.all(others.map((s) => findOptOutTarget(s, jobId)));
  const i = found.findIndex((f) => f !== null);
  if (i < 0) return null;
  const target = found[i] as OptOutTarget;
  return MOVING_SHARD.test(target.home) ? 'moving' : { shard: others[i] as Shard, target };
}

/**
 * Puts the number on do-not-contact (reason STOP, source `link`) with an OPT_OUT event naming the
 * campaign and message, and an audit entry, in one batch. Idempotent: when the number is already
 * on the list (a second tap, an earlier STOP) nothing is written. True when this call added it.
 */
export async function optOutByLink(shard: Shard, t: OptOutTarget, now: Date): Promise<boolean> {
  const at = now.toISOString();
  const dncId = uuidv7(now.getTime());
  const added = 'EXISTS (SELECT 1 FROM do_not_contact WHERE id = ?1)';
  const metadata = JSON.stringify({
    source: 'link',
    via: 'opt_out_link',
    phone: t.phone,
    send_job_id: t.jobId,
  });
  const [inserted] = await shard.d1.batch([
    shard.d1
      .prepare(
        `INSERT INTO do_not_contact (id, tenant_id, phone_e164, reason, source, created_at)
         VALUES (?1, ?2, ?3, 'STOP', 'link', ?4)
         ON CONFLICT (tenant_id, phone_e164) DO NOTHING`,
      )
      .bind(dncId, t.tenantId, t.phone, at),
    shard.d1
      .prepare(
        `INSERT INTO events (id, tenant_id, contact_id, campaign_id, send_job_id, event_type, metadata, created_at)
         SELECT ?2, ?3, ?4, ?5, ?6, 'OPT_OUT', ?7, ?8 WHERE ${added}`,
      )
      .bind(dncId, uuidv7(now.getTime()), t.tenantId, t.contactId, t.campaignId, t.jobId, metadata, at),
    shard.d1
      .prepare(
        `INSERT INTO audit_log (id, tenant_id, action, resource_type, resource_id, metadata, created_at)
         SELECT ?2, ?3, 'do_not_contact.created', 'do_not_contact', ?1, ?4, ?5 WHERE ${added}`,
      )
      .bind(
        dncId,
        uuidv7(now.getTime()),
        t.tenantId,
        JSON.stringify({
          via: 'opt_out_link',
          phone: t.phone,
          reason: 'STOP',
          campaign_id: t.campaignId,
          send_job_id: t.jobId,
        }),
        at,
      ),
  ]);
  return (inserted?.meta.changes ?? 0) > 0;
}
