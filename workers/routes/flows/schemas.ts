// Automation flows (issue 14): the API's shapes, and the checks a flow's references need (its
// templates, links, keyword, form and tag), which the pure step rules cannot do alone.
import { z } from '@hono/zod-openapi';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { type flows, keywords, messageTemplates, signupForms } from '../../db/schema';
import {
  assignStepIds,
  checkSteps,
  type FlowStep,
  type FlowStepInput,
  type StepProblem,
  walkSteps,
} from '../../domain/flow-steps';
import { normalizeTag } from '../../domain/tags';
import { ApiError } from '../../http/errors';
import { HhMm } from '../../http/router';
import { usesLink } from '../../send/render';

const Url = z
  .url({ protocol: /^https?$/, message: 'An http(s) URL' })
  .max(2000)
  .nullable()
  .optional();

// Steps nest (a branch holds steps); the depth is bounded by the step rules (MAX_DEPTH). Named, so
// the OpenAPI document refers to it (#/components/schemas/FlowStep) instead of recursing forever.
export const StepSchema: z.ZodType<FlowStepInput> = z
  .lazy(() =>
    z.discriminatedUnion('type', [
      z
        .object({
          id: z.string().max(10).optional(),
          type: z.literal('send'),
          template_id: z.uuid(),
          target_url: Url,
        })
        .strict(),
      z
        .object({ id: z.string().max(10).optional(), type: z.literal('wait'), minutes: z.number().int() })
        .strict(),
      z
        .object({
          id: z.string().max(10).optional(),
          type: z.literal('branch'),
          on: z.enum(['clicked', 'replied']),
          within_minutes: z.number().int(),
          // biome-ignore lint/suspicious/noThenProperty: the API's name for a branch's arm (an array, never a thenable)
          then: z.array(StepSchema).max(50).default([]),
          else: z.array(StepSchema).max(50).default([]),
        })
        .strict(),
    ]),
  )
  .openapi('FlowStep');

const Trigger = z
  .object({
    type: z.enum(['keyword', 'form', 'tag_added', 'api']),
    keyword_id: z.uuid().nullable().optional(),
    form_id: z.uuid().nullable().optional(),
    tag: z.string().max(100).nullable().optional(),
  })
  .strict();

export const FlowCreate = z
  .object({
    name: z.string().trim().min(1).max(120),
    is_active: z.boolean().default(false),
    allow_reentry: z.boolean().default(false),
    trigger: Trigger,
    steps: z.array(StepSchema).max(50),
    quiet_hours_start: HhMm.default('20:00'),
    quiet_hours_end: HhMm.default('09:00'),
  })
  .strict();

export const FlowPatch = z
  .object({
    name: z.string().trim().min(1).max(120),
    is_active: z.boolean(),
    allow_reentry: z.boolean(),
    trigger: Trigger,
    steps: z.array(StepSchema).max(50),
    quiet_hours_start: HhMm,
    quiet_hours_end: HhMm,
  })
  .partial()
  .strict();

export const FlowSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    is_active: z.boolean(),
    allow_reentry: z.boolean(),
    trigger: z.object({
      type: z.string(),
      keyword_id: z.string().nullable(),
      form_id: z.string().nullable(),
      tag: z.string().nullable(),
    }),
    steps: z.array(z.record(z.string(), z.unknown())),
    quiet_hours_start: z.string(),
    quiet_hours_end: z.string(),
    enrolments: z.object({ active: z.number().int(), completed: z.number().int(), exited: z.number().int() }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Flow');

export type FlowRow = typeof flows.$inferSelect;
export type EnrolmentCounts = { active: number; completed: number; exited: number };

export function flowJson(f: FlowRow, counts: EnrolmentCounts): z.infer<typeof FlowSchema> {
  return {
    id: f.id,
    name: f.name,
    is_active: f.isActive,
    allow_reentry: f.allowReentry,
    trigger: {
      type: f.triggerType,
      keyword_id: f.triggerKeywordId,
      form_id: f.triggerFormId,
      tag: f.triggerTag,
    },
    steps: f.steps as unknown as Record<string, unknown>[],
    quiet_hours_start: f.quietHoursStart,
    quiet_hours_end: f.quietHoursEnd,
    enrolments: counts,
    created_at: f.createdAt,
    updated_at: f.updatedAt,
  };
}

export type TriggerColumns = Pick<
  FlowRow,
  'triggerType' | 'triggerKeywordId' | 'triggerFormId' | 'triggerTag'
>;

function invalid(problems: StepProblem[]): never {
  throw new ApiError('VALIDATION', problems[0]?.message ?? 'The flow is not valid.', { errors: problems });
}

/** The trigger as stored, after checking that its keyword or form is the tenant's. */
export async function checkTrigger(
  db: Db,
  tenantId: string,
  t: z.infer<typeof Trigger>,
): Promise<TriggerColumns> {
  const none = { triggerKeywordId: null, triggerFormId: null, triggerTag: null };
  if (t.type === 'keyword') {
    const k = t.keyword_id
      ? await db.query.keywords.findFirst({
          columns: { id: true },
          where: and(eq(keywords.id, t.keyword_id), eq(keywords.tenantId, tenantId)),
        })
      : undefined;
    if (!k) invalid([{ path: 'trigger.keyword_id', message: 'Choose one of your join keywords.' }]);
    return { ...none, triggerType: 'keyword', triggerKeywordId: k.id };
  }
  if (t.type === 'form') {
    const f = t.form_id
      ? await db.query.signupForms.findFirst({
          columns: { id: true },
          where: and(
            eq(signupForms.id, t.form_id),
            eq(signupForms.tenantId, tenantId),
            isNull(signupForms.archivedAt),
          ),
        })
      : undefined;
    if (!f) invalid([{ path: 'trigger.form_id', message: 'Choose one of your signup forms.' }]);
    return { ...none, triggerType: 'form', triggerFormId: f.id };
  }
  if (t.type === 'tag_added') {
    const tag = normalizeTag(t.tag ?? '');
    if (!tag.ok) invalid([{ path: 'trigger.tag', message: tag.reason }]);
    return { ...none, triggerType: 'tag_added', triggerTag: tag.tag };
  }
  return { ...none, triggerType: 'api' };
}

/**
 * The steps as stored (ids given, previous ids never reused), after the structural rules and the
 * references: every template is the tenant's, and a template with `{{link}}` has a target URL.
 */
export async function checkFlowSteps(
  db: Db,
  tenantId: string,
  input: readonly FlowStepInput[],
  previous: readonly FlowStep[] = [],
): Promise<FlowStep[]> {
  const steps = assignStepIds(input, previous);
  const problems = checkSteps(steps);
  const ids = new Set<string>();
  walkSteps(steps, (s) => {
    if (s.type === 'send') ids.add(s.template_id);
  });
  const templates = ids.size
    ? await db
        .select({ id: messageTemplates.id, body: messageTemplates.body })
        .from(messageTemplates)
        .where(and(eq(messageTemplates.tenantId, tenantId), inArray(messageTemplates.id, [...ids])))
    : [];
  const byId = new Map(templates.map((t) => [t.id, t]));
  walkSteps(steps, (s, path) => {
    if (s.type !== 'send') return;
    const t = byId.get(s.template_id);
    if (!t) problems.push({ path: `${path}.template_id`, message: 'No template of yours has this id.' });
    else if (usesLink(t.body) && !s.target_url)
      problems.push({
        path: `${path}.target_url`,
        message: 'This template has {{link}}: say where the link goes.',
      });
  });
  if (problems.length > 0) invalid(problems);
  return steps;
}
