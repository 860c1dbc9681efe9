// `/u/:token`, a recipient's personal opt-out link (issue 10). GET shows one question and one
// button; POST puts the number on the tenant's do-not-contact list (reason STOP, source `link`).
// The token is checked before any database access (HMAC with LINK_SECRET, then its age); forged,
// truncated or expired tokens get a page that says so and change nothing. No login, no questions.
import { Hono } from 'hono';
import { shardNamed } from '../db/shards';
import { verifyOptOutToken } from '../domain/optout-token';
import type { AppEnv } from '../http/context';
import { alreadyPage, busyPage, confirmPage, donePage, expiredPage, invalidPage } from './pages';
import { locateOptOutTarget, optOutByLink } from './record';

async function resolve(env: Env, token: string, now: Date) {
  const v = await verifyOptOutToken(
    token,
    { current: env.LINK_SECRET, previous: env.LINK_SECRET_PREVIOUS },
    now,
  );
  if (!v.ok) return v.reason === 'expired' ? expiredPage() : invalidPage();
  // A verified token naming a shard this Worker does not bind: a link from another deployment.
  const shard = shardNamed(env, v.shard);
  if (!shard) return invalidPage();
  const found = await locateOptOutTarget(env, shard, v.jobId);
  if (found === 'moving') return busyPage();
  // The message is gone (its tenant or contact deleted): there is no one left to opt out.
  if (!found) return invalidPage();
  return found;
}

/** The opt-out routes; `clock` is pinned by tests (the token's age is judged against it). */
export function optOutRoutes(clock: () => Date = () => new Date()) {
  return new Hono<AppEnv>()
    .get('/:token', async (c) => {
      const r = await resolve(c.env, c.req.param('token'), clock());
      if (r instanceof Response) return r;
      const { target } = r;
      // An erased contact is never messaged again either.
      if (target.alreadyOptedOut || target.erased) return alreadyPage(target.sender, target.senderId);
      return confirmPage(target.sender, target.senderId);
    })
    .post('/:token', async (c) => {
      const now = clock();
      const r = await resolve(c.env, c.req.param('token'), now);
      if (r instanceof Response) return r;
      const { shard, target } = r;
      // Tapping twice, or after a STOP reply, is harmless: the first entry stays as it was.
      if (!target.erased && !target.alreadyOptedOut) await optOutByLink(shard, target, now);
      return donePage(target.sender, target.senderId);
    });
}
