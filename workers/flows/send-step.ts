// A flow's send step: the template rendered for the contact (variables, a personal short link for
// `{{link}}`, the opt-out footer) and queued as a direct message keyed by enrolment and step, so
// however often the step runs (a redelivered alarm, a crash before the move was recorded) one SMS
// at most goes out. The sender waits out the flow's quiet hours in the recipient's zone.
import { and, eq } from 'drizzle-orm';
import { messageTemplates } from '../db/schema';
import type { Shard } from '../db/shards';
import { queueDirectMessage } from '../direct/queue';
import { applyComplianceFooter } from '../domain/compliance';
import type { SendStep } from '../domain/flow-steps';
import { contactVariables, renderTemplate } from '../domain/template';
import { shortLinkFor } from '../redirect/links';
import { usesLink } from '../send/render';
import type { EnrolmentState } from './engine';

export type FlowSend =
  | { kind: 'queued'; messageId: string; shortLinkId: string | null }
  | { kind: 'skipped'; reason: string };

export function flowDedupeKey(enrolmentId: string, stepId: string): string {
  return `flow:${enrolmentId}:${stepId}`;
}

function customFields(raw: string | null): Record<string, string> {
  try {
    const v: unknown = JSON.parse(raw ?? '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export async function queueFlowMessage(
  env: Env,
  shard: Shard,
  e: EnrolmentState,
  step: SendStep,
  now: Date,
): Promise<FlowSend> {
  const template = await shard.db.query.messageTemplates.findFirst({
    columns: { body: true, mediaUrl: true },
    where: and(eq(messageTemplates.id, step.template_id), eq(messageTemplates.tenantId, e.tenant_id)),
  });
  if (!template) return { kind: 'skipped', reason: 'template_missing' };
  const vars: Record<string, string | undefined> = {
    ...contactVariables({
      firstName: e.first_name,
      lastName: e.last_name,
      email: e.email,
      phoneE164: e.phone_e164,
      customFields: customFields(e.custom_fields),
    }),
  };
  let shortLinkId: string | null = null;
  if (step.target_url && usesLink(template.body)) {
    const link = await shortLinkFor(env, shard, {
      tenantId: e.tenant_id,
      contactId: e.contact_id,
      targetUrl: step.target_url,
      flowId: e.flow_id,
      enrolmentId: e.id,
      stepId: step.id,
      now,
    });
    vars.link = link.url;
    shortLinkId = link.id;
  }
  const body = applyComplianceFooter(renderTemplate(template.body, vars).text, {
    appendOptOutFooter: e.append_opt_out_footer === 1,
  });
  const queued = await queueDirectMessage(
    env,
    shard.db,
    {
      tenantId: e.tenant_id,
      kind: 'flow',
      dedupeKey: flowDedupeKey(e.id, step.id),
      toPhone: e.phone_e164,
      contactId: e.contact_id,
      sendingNumberId: e.source_number_id ?? null,
      body,
      mediaUrl: template.mediaUrl,
      quietHours: { start: e.quiet_hours_start, end: e.quiet_hours_end },
      context: { flow_id: e.flow_id, enrolment_id: e.id, step_id: step.id, short_link_id: shortLinkId },
    },
    now,
  );
  return { kind: 'queued', messageId: queued.id, shortLinkId };
}
