// Recording a click, after the redirect has been answered. One D1 batch (a transaction, and D1
// runs one writer at a time) inserts the CLICKED event and bumps the counters in a single UPDATE,
// so concurrent clicks never lose an increment and the repeat check below cannot race.
import { uuidv7 } from '../db/ids';
import { type ClickVerdict, classifyClick, clickSignals } from '../domain/bots';
import { hmac, toHex } from '../lib/crypto';
import type { ResolvedLink } from './lookup';

/**
 * Human clicks from the same client (same IP and user agent) within this window of the last
 * counted one count once: a double tap, or the browser re-requesting on app switch, is one
 * person opening the link once. Checked in D1 against the link's own recent events, so it holds
 * across isolates and colos.
 */
export const REPEAT_WINDOW_MS = 30_000;

/** A keyed hash, so the stored value cannot be reversed to an IP address by brute force. */
export async function clientFingerprint(secret: string, ip: string, userAgent: string): Promise<string> {
  return toHex(await hmac(secret, 'SHA-256', `client:${ip}|${userAgent}`)).slice(0, 16);
}

const HUMAN_EVENT = `
INSERT INTO events (id, tenant_id, contact_id, campaign_id, short_link_id, event_type, metadata, created_at)
SELECT ?1, ?2, ?3, ?4, ?5, 'CLICKED',
       CASE WHEN EXISTS (
              SELECT 1 FROM events
               WHERE short_link_id = ?5 AND event_type = 'CLICKED' AND created_at >= ?7
                 AND json_extract(metadata, '$.human') = 1 AND json_extract(metadata, '$.client') = ?8)
            THEN json_object('human', json('false'), 'reason', 'repeat', 'client', ?8)
            ELSE json_object('human', json('true'), 'client', ?8) END,
       ?6
WHERE true`;

// human_click_count and the first clicked_at follow the verdict the event row just recorded.
const HUMAN_COUNTERS = `
UPDATE short_links
   SET click_count = click_count + 1,
       human_click_count = human_click_count + COALESCE((SELECT json_extract(metadata, '$.human') FROM events WHERE id = ?1), 0),
       clicked_at = CASE WHEN clicked_at IS NULL
                          AND (SELECT json_extract(metadata, '$.human') FROM events WHERE id = ?1) = 1
                         THEN ?2 ELSE clicked_at END
 WHERE id = ?3`;

const BOT_EVENT = `
INSERT INTO events (id, tenant_id, contact_id, campaign_id, short_link_id, event_type, metadata, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'CLICKED', ?6, ?7)`;

const BOT_COUNTERS = 'UPDATE short_links SET click_count = click_count + 1 WHERE id = ?1';

export async function recordClick(
  env: Env,
  link: ResolvedLink,
  req: Request,
  now: Date,
): Promise<ClickVerdict> {
  const verdict = classifyClick(clickSignals(req));
  const eventId = uuidv7(now.getTime());
  const at = now.toISOString();
  if (verdict.human) {
    const ip = req.headers.get('cf-connecting-ip') ?? '';
    const client = await clientFingerprint(env.LINK_SECRET, ip, req.headers.get('user-agent') ?? '');
    const windowStart = new Date(now.getTime() - REPEAT_WINDOW_MS).toISOString();
    await env.DB.batch([
      env.DB.prepare(HUMAN_EVENT).bind(
        eventId,
        link.tenantId,
        link.contactId,
        link.campaignId,
        link.id,
        at,
        windowStart,
        client,
      ),
      env.DB.prepare(HUMAN_COUNTERS).bind(eventId, at, link.id),
    ]);
  } else {
    const metadata = JSON.stringify({ human: false, reason: verdict.reason });
    await env.DB.batch([
      env.DB.prepare(BOT_EVENT).bind(
        eventId,
        link.tenantId,
        link.contactId,
        link.campaignId,
        link.id,
        metadata,
        at,
      ),
      env.DB.prepare(BOT_COUNTERS).bind(link.id),
    ]);
  }
  return verdict;
}

/** For waitUntil: a click that cannot be recorded is logged, never thrown into the runtime. */
export async function recordClickSafely(
  env: Env,
  link: ResolvedLink,
  req: Request,
  now: Date,
): Promise<void> {
  try {
    await recordClick(env, link, req, now);
  } catch (err) {
    console.error('short-link click not recorded', link.id, err);
  }
}
