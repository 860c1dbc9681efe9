// Running a webhook delivery from its queue message: claim the attempt, POST, record what the
// receiver answered, then schedule the retry, finish, or — after a day of failures — switch the
// endpoint off and tell the tenant's admins.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { auditLog, users, webhookDeliveries, webhookSubscriptions } from '../db/schema';
import { controlDb, tenantDb } from '../db/shards';
import { checkPublicUrl } from '../domain/public-address';
import { ATTEMPT_HISTORY, isSuccess, nextAttemptAt, shouldDisable } from '../domain/webhook-retry';
import { DEFAULT_FROM_NAME, deliverEmail, type EmailEnv } from '../providers/email';
import { webhookDisabledEmail } from '../providers/email-messages';
import { type AttemptOutcome, attemptDelivery } from './deliver';
import { enqueueDeliveries, type WebhookMessage } from './events';
import { openSecret } from './secret-box';

export type DeliveryOptions = {
  now?: () => Date;
  random?: () => number;
  timeoutMs?: number;
  fetchFn?: typeof fetch;
};

type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type SubscriptionRow = typeof webhookSubscriptions.$inferSelect;

export type DeliveryResult =
  | 'succeeded'
  | 'retry_scheduled'
  | 'failed'
  | 'cancelled'
  | 'stale'
  | 'rescheduled'
  | 'missing';

/** A queue message arriving this much before its delivery is due is sent back to wait. */
const EARLY_TOLERANCE_MS = 1000;

type RunEnv = Pick<
  Env,
  'CONTROL_DB' | 'WEBHOOK_QUEUE' | 'ENVIRONMENT' | 'LINK_SECRET' | 'PUBLIC_BASE_URL'
> & {
  WEBHOOK_SIGNING_KEY?: string;
};

export async function runDelivery(
  env: RunEnv,
  msg: WebhookMessage,
  opts: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const now = (opts.now ?? (() => new Date()))();
  const db = await tenantDb(env, msg.tenantId);
  const [row] = await db
    .select({ d: webhookDeliveries, s: webhookSubscriptions })
    .from(webhookDeliveries)
    .innerJoin(webhookSubscriptions, eq(webhookSubscriptions.id, webhookDeliveries.subscriptionId))
    .where(and(eq(webhookDeliveries.id, msg.deliveryId), eq(webhookDeliveries.tenantId, msg.tenantId)))
    .limit(1);
  if (!row) return 'missing';
  const { d, s } = row;
  // Another message already ran this attempt (redelivery, a manual retry, the sweeper): drop it.
  if (d.state !== 'pending' || d.attemptCount !== msg.attempt) return 'stale';
  if (!s.isActive) {
    await db
      .update(webhookDeliveries)
      .set({ state: 'cancelled', nextAttemptAt: null, lastError: 'the endpoint is switched off' })
      .where(and(eq(webhookDeliveries.id, d.id), eq(webhookDeliveries.state, 'pending')));
    return 'cancelled';
  }
  const due = d.nextAttemptAt ? Date.parse(d.nextAttemptAt) : now.getTime();
  if (due - now.getTime() > EARLY_TOLERANCE_MS) {
    await enqueueDeliveries(env, [msg], Math.ceil((due - now.getTime()) / 1000));
    return 'rescheduled';
  }

  // Claim this attempt: only one message can move attempt_count from msg.attempt.
  const attempt = msg.attempt + 1;
  const claimed = await db
    .update(webhookDeliveries)
    .set({ attemptCount: attempt, lastAttemptAt: now.toISOString() })
    .where(
      and(
        eq(webhookDeliveries.id, d.id),
        eq(webhookDeliveries.state, 'pending'),
        eq(webhookDeliveries.attemptCount, msg.attempt),
      ),
    )
    .returning({ id: webhookDeliveries.id });
  if (claimed.length === 0) return 'stale';

  const outcome = await attempt1(env, d, s, attempt, now, opts);
  return recordOutcome(env, db, { ...d, attemptCount: attempt }, s, outcome, now, opts, msg.manual === true);
}

async function attempt1(
  env: RunEnv,
  d: DeliveryRow,
  s: SubscriptionRow,
  attempt: number,
  now: Date,
  opts: DeliveryOptions,
): Promise<AttemptOutcome> {
  // The URL passed the full check when saved; re-check the static rules in case they tightened.
  const check = checkPublicUrl(s.url, { environment: env.ENVIRONMENT, label: 'The webhook URL' });
  if (!check.ok) return { status: null, latencyMs: 0, error: check.reason, snippet: null };
  const secret = await openSecret(env, s.secretCiphertext, s.id);
  return attemptDelivery(s.url, d.body, secret, {
    now,
    timeoutMs: opts.timeoutMs,
    fetchFn: opts.fetchFn,
    headers: { eventId: d.eventId, eventType: d.eventType, deliveryId: d.id, attempt },
  });
}

function historyWith(d: DeliveryRow, o: AttemptOutcome, at: Date, manual: boolean) {
  const entry = {
    at: at.toISOString(),
    status: o.status,
    latency_ms: o.latencyMs,
    error: o.error,
    ...(manual ? { manual } : {}),
  };
  return [...d.attempts, entry].slice(-ATTEMPT_HISTORY);
}

function lastAttemptFields(o: AttemptOutcome) {
  return {
    lastStatus: o.status,
    lastError: o.error,
    lastLatencyMs: o.latencyMs,
    lastResponseSnippet: o.snippet,
  };
}

async function recordOutcome(
  env: RunEnv,
  db: Db,
  d: DeliveryRow,
  s: SubscriptionRow,
  o: AttemptOutcome,
  now: Date,
  opts: DeliveryOptions,
  manual: boolean,
): Promise<DeliveryResult> {
  const at = now.toISOString();
  const attempts = historyWith(d, o, now, manual);
  if (isSuccess(o.status)) {
    await db.batch([
      db
        .update(webhookDeliveries)
        .set({ ...lastAttemptFields(o), attempts, state: 'succeeded', succeededAt: at, nextAttemptAt: null })
        .where(eq(webhookDeliveries.id, d.id)),
      db
        .update(webhookSubscriptions)
        .set({ lastSuccessAt: at, failingSince: null })
        .where(eq(webhookSubscriptions.id, s.id)),
    ]);
    return 'succeeded';
  }
  const next = d.isTest
    ? null
    : nextAttemptAt(Date.parse(d.createdAt), d.attemptCount, now.getTime(), opts.random);
  const failSub = db
    .update(webhookSubscriptions)
    .set({ lastFailureAt: at, failingSince: sql`coalesce(${webhookSubscriptions.failingSince}, ${at})` })
    .where(eq(webhookSubscriptions.id, s.id))
    .returning({ failingSince: webhookSubscriptions.failingSince });
  if (next !== null) {
    const nextIso = new Date(next).toISOString();
    await db.batch([
      db
        .update(webhookDeliveries)
        .set({ ...lastAttemptFields(o), attempts, nextAttemptAt: nextIso })
        .where(eq(webhookDeliveries.id, d.id)),
      failSub,
    ]);
    await enqueueDeliveries(
      env,
      [{ tenantId: d.tenantId, deliveryId: d.id, attempt: d.attemptCount }],
      Math.max(0, Math.ceil((next - now.getTime()) / 1000)),
    );
    return 'retry_scheduled';
  }
  const [, [sub]] = await db.batch([
    db
      .update(webhookDeliveries)
      .set({ ...lastAttemptFields(o), attempts, state: 'failed', nextAttemptAt: null })
      .where(eq(webhookDeliveries.id, d.id)),
    failSub,
  ]);
  if (!d.isTest && shouldDisable(sub?.failingSince ? Date.parse(sub.failingSince) : null, now.getTime())) {
    await disableEndpoint(env, db, s, sub?.failingSince ?? at, o, now);
  }
  return 'failed';
}

function describeOutcome(o: AttemptOutcome): string {
  return o.status !== null ? `HTTP ${o.status}` : (o.error ?? 'no answer');
}

/** Switches the endpoint off (once), writes the audit log and emails the tenant's admins. */
async function disableEndpoint(
  env: RunEnv,
  db: Db,
  s: SubscriptionRow,
  failingSince: string,
  last: AttemptOutcome,
  now: Date,
) {
  const at = now.toISOString();
  const reason = `Every delivery since ${failingSince} failed (last answer: ${describeOutcome(last)}).`;
  const [switched] = await db
    .update(webhookSubscriptions)
    .set({ isActive: false, disabledAt: at, disabledReason: reason, updatedAt: at })
    .where(and(eq(webhookSubscriptions.id, s.id), eq(webhookSubscriptions.isActive, true)))
    .returning({ id: webhookSubscriptions.id });
  if (!switched) return;
  await db.insert(auditLog).values({
    id: uuidv7(),
    tenantId: s.tenantId,
    userId: null,
    action: 'webhook.disabled',
    resourceType: 'webhook',
    resourceId: s.id,
    metadata: { url: s.url, reason, failing_since: failingSince, via: 'system' },
  });
  try {
    await notifyAdmins(env, s, reason);
  } catch (err) {
    console.error('webhook disabled: admin email failed', s.id, err);
  }
}

async function notifyAdmins(env: RunEnv, s: SubscriptionRow, reason: string) {
  const control = controlDb(env);
  const admins = await control
    .select({ email: users.email })
    .from(users)
    .where(and(eq(users.tenantId, s.tenantId), eq(users.role, 'admin'), eq(users.isActive, true)));
  const link = `${env.PUBLIC_BASE_URL}/integrations/webhooks`;
  const message = webhookDisabledEmail({ appName: DEFAULT_FROM_NAME, url: s.url, reason, link });
  for (const a of admins) {
    // deliverEmail never throws; a failure is logged and counted for health.
    await deliverEmail(env as unknown as EmailEnv, control, {
      ...message,
      to: a.email,
      kind: 'notice',
      link,
    });
  }
}

/** The test event: one attempt now, logged like a delivery, never retried, never counted against the endpoint. */
export async function sendTestEvent(
  env: RunEnv,
  db: Db,
  s: SubscriptionRow,
  body: { eventId: string; text: string },
  opts: DeliveryOptions = {},
): Promise<DeliveryRow> {
  const now = (opts.now ?? (() => new Date()))();
  const id = uuidv7();
  const [row] = await db
    .insert(webhookDeliveries)
    .values({
      id,
      tenantId: s.tenantId,
      subscriptionId: s.id,
      eventId: body.eventId,
      eventType: 'webhook.test',
      body: body.text,
      state: 'pending',
      attemptCount: 1,
      lastAttemptAt: now.toISOString(),
      isTest: true,
    })
    .returning();
  const d = row as DeliveryRow;
  const o = await attempt1(env, d, s, 1, now, opts);
  const [after] = await db
    .update(webhookDeliveries)
    .set({
      ...lastAttemptFields(o),
      attempts: historyWith(d, o, now, true),
      state: isSuccess(o.status) ? 'succeeded' : 'failed',
      succeededAt: isSuccess(o.status) ? now.toISOString() : null,
    })
    .where(eq(webhookDeliveries.id, id))
    .returning();
  return after as DeliveryRow;
}
