// Shared setup for the automation flow and opt-in tests (issue 14): a sending tenant with templates,
// the send queue captured where the runners (Durable Objects) put their messages, flows created
// through the API, and runners driven with pinned clocks.
import { env } from 'cloudflare:workers';
import { and, eq } from 'drizzle-orm';
import { vi } from 'vitest';
import { useManualFlowTimers } from '../../durable-objects/flow-runner';
import { uuidv7 } from '../../workers/db/ids';
import {
  costs,
  directMessages,
  flowEnrolments,
  flowStepRuns,
  messageTemplates,
  shortLinks,
} from '../../workers/db/schema';
import { recordClick } from '../../workers/redirect/clicks';
import { resolveLink } from '../../workers/redirect/lookup';
import { LruCache } from '../../workers/redirect/lru';
import { control, json } from './fixtures';
import type { SendTenant } from './send-setup';
import { nextSeq } from './seq';

/** Runners record when they are due instead of setting real alarms (which would use the real clock). */
export function manualTimers(): void {
  useManualFlowTimers(true);
}

export type Queued = { messageId: string; tenantId: string; delaySeconds?: number };

/** What the code puts on the real send queue binding (the runners use it), captured. */
export function captureSendQueue(): Queued[] {
  const sent: Queued[] = [];
  vi.spyOn(env.SEND_QUEUE, 'send').mockImplementation(async (body, o) => {
    sent.push({ ...(body as Queued), delaySeconds: o?.delaySeconds });
    return undefined as unknown as QueueSendResponse;
  });
  vi.spyOn(env.SEND_QUEUE, 'sendBatch').mockImplementation(async (msgs) => {
    for (const m of msgs) sent.push({ ...(m.body as Queued), delaySeconds: m.delaySeconds });
    return undefined as unknown as QueueSendBatchResponse;
  });
  return sent;
}

/** What the code puts on the flow queue, captured (runFlowPage drives it). */
export function captureFlowQueue(): unknown[] {
  const sent: unknown[] = [];
  vi.spyOn(env.FLOW_QUEUE, 'send').mockImplementation(async (body) => {
    sent.push(body);
    return undefined as unknown as QueueSendResponse;
  });
  return sent;
}

export async function addTemplate(
  t: SendTenant,
  body: string,
  over: Partial<typeof messageTemplates.$inferInsert> = {},
): Promise<string> {
  const id = uuidv7();
  await t.db
    .insert(messageTemplates)
    .values({ id, tenantId: t.tenantId, name: body.slice(0, 20), body, ...over });
  return id;
}

export async function addMmsPrice(tenantId: string, cents: number) {
  await control().insert(costs).values({
    id: uuidv7(),
    tenantId,
    country: 'AU',
    channel: 'mms',
    perPartCents: cents,
    effectiveFrom: '2020-01-01T00:00:00.000Z',
  });
}

export type FlowJson = {
  id: string;
  name: string;
  is_active: boolean;
  steps: { id: string; type: string; then?: { id: string }[]; else?: { id: string }[] }[];
  enrolments: { active: number; completed: number; exited: number };
};

export async function createFlow(t: SendTenant, body: Record<string, unknown>): Promise<FlowJson> {
  const res = await t.api('/api/v1/flows', {
    method: 'POST',
    json: { name: 'Welcome', is_active: true, trigger: { type: 'api' }, ...body },
  });
  if (res.status !== 201) throw new Error(`flow not created: ${res.status} ${await res.text()}`);
  return json<FlowJson>(res);
}

export const runner = (enrolmentId: string) => env.FLOW_RUNNER.getByName(enrolmentId);

export async function enrolment(t: SendTenant, id: string) {
  const [row] = await t.db.select().from(flowEnrolments).where(eq(flowEnrolments.id, id));
  if (!row) throw new Error('enrolment missing');
  return row;
}

export async function enrolmentsOf(t: SendTenant, flowId: string) {
  return t.db.select().from(flowEnrolments).where(eq(flowEnrolments.flowId, flowId));
}

export async function stepRuns(t: SendTenant, enrolmentId: string) {
  return t.db
    .select()
    .from(flowStepRuns)
    .where(eq(flowStepRuns.enrolmentId, enrolmentId))
    .orderBy(flowStepRuns.id);
}

export async function directMessage(t: SendTenant, id: string) {
  const [row] = await t.db
    .select()
    .from(directMessages)
    .where(and(eq(directMessages.id, id), eq(directMessages.tenantId, t.tenantId)));
  if (!row) throw new Error('direct message missing');
  return row;
}

export async function flowLinks(t: SendTenant, enrolmentId: string) {
  return t.db.select().from(shortLinks).where(eq(shortLinks.flowEnrolmentId, enrolmentId));
}

/** A person opening their link at `at` (through the real click recorder), from a phone's browser. */
export async function humanClick(token: string, at: Date, userAgent = IPHONE): Promise<void> {
  const link = await resolveLink(env, token, () => {});
  if (!link) throw new Error(`no link for ${token}`);
  const req = new Request(`https://sms.example.test/l/${token}`, {
    headers: {
      'user-agent': userAgent,
      // A new client each time (never a repeat within the window): counted as a human click.
      'cf-connecting-ip': `203.0.113.${(nextSeq() % 250) + 1}`,
    },
  });
  await recordClick(env, link, req, at, new LruCache<number>(10));
}

export const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
