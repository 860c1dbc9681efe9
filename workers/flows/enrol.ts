// Enrolling contacts in flows: by a trigger (a keyword or form join confirmed, a tag added) or by
// the API. Each enrolment runs once per contact and flow unless the flow allows re-entry, and never
// twice at the same time (a partial UNIQUE index on the active ones settles races); its runner
// (a FlowRunner Durable Object named by the enrolment) is started at once.
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import type { Db } from '../db/client';
import { uuidv7 } from '../db/ids';
import { type FlowTrigger, flowEnrolments, flows } from '../db/schema';
import { type FlowStep, findStep, firstStepId } from '../domain/flow-steps';

export type EnrolSource = {
  type: FlowTrigger;
  keyword_id?: string;
  form_id?: string;
  tag?: string;
  /** The number the contact joined through: the flow's messages go from it. */
  sending_number_id?: string | null;
  user_id?: string | null;
  api_key_id?: string | null;
};

type FlowRow = Pick<
  typeof flows.$inferSelect,
  'id' | 'tenantId' | 'isActive' | 'archivedAt' | 'allowReentry' | 'steps'
>;

export type Enrolled =
  | { kind: 'enrolled'; enrolmentId: string }
  | { kind: 'already'; enrolmentId: string; status: string }
  | { kind: 'refused'; reason: 'flow_paused' | 'flow_empty' };

/** Starts (or restarts) an enrolment's runner; failures are logged: the enrolment row stays. */
export async function startRunner(
  env: Pick<Env, 'FLOW_RUNNER'>,
  ref: { tenantId: string; enrolmentId: string },
  at: Date,
): Promise<void> {
  try {
    await env.FLOW_RUNNER.getByName(ref.enrolmentId).start(ref, at.toISOString());
  } catch (err) {
    console.error('flow runner not started', ref.enrolmentId, err);
  }
}

export async function enrolContact(
  env: Pick<Env, 'FLOW_RUNNER'>,
  db: Db,
  p: { flow: FlowRow; contactId: string; source: EnrolSource; now: Date },
): Promise<Enrolled> {
  const { flow } = p;
  if (!flow.isActive || flow.archivedAt !== null) return { kind: 'refused', reason: 'flow_paused' };
  const first = firstStepId(flow.steps);
  if (!first) return { kind: 'refused', reason: 'flow_empty' };
  const at = p.now.toISOString();
  const id = uuidv7(p.now.getTime());
  const firstType = (findStep(flow.steps, first) as FlowStep).type;
  const [inserted] = await runBatch(db, [
    sql`INSERT INTO flow_enrolments (id, tenant_id, flow_id, contact_id, status, current_step_id, step_started_at,
                                     next_run_at, source, entered_at, updated_at)
        SELECT ${id}, ${flow.tenantId}, ${flow.id}, ${p.contactId}, 'active', ${first}, ${at}, ${at},
               ${JSON.stringify(p.source)}, ${at}, ${at}
         WHERE ${flow.allowReentry ? 1 : 0} = 1
            OR NOT EXISTS (SELECT 1 FROM flow_enrolments WHERE flow_id = ${flow.id} AND contact_id = ${p.contactId})
        ON CONFLICT DO NOTHING
        RETURNING id`,
    sql`INSERT INTO flow_step_runs (id, tenant_id, flow_id, enrolment_id, step_id, step_type, entered_at)
        SELECT ${uuidv7(p.now.getTime())}, ${flow.tenantId}, ${flow.id}, ${id}, ${first}, ${firstType}, ${at}
         WHERE EXISTS (SELECT 1 FROM flow_enrolments WHERE id = ${id})
        ON CONFLICT (enrolment_id, step_id) DO NOTHING`,
  ]);
  if (inserted && inserted.rows.length > 0) {
    await startRunner(env, { tenantId: flow.tenantId, enrolmentId: id }, p.now);
    return { kind: 'enrolled', enrolmentId: id };
  }
  const [existing] = await db
    .select({ id: flowEnrolments.id, status: flowEnrolments.status })
    .from(flowEnrolments)
    .where(and(eq(flowEnrolments.flowId, flow.id), eq(flowEnrolments.contactId, p.contactId)))
    .orderBy(sql`${flowEnrolments.status} = 'active' DESC`, sql`${flowEnrolments.id} DESC`)
    .limit(1);
  if (!existing) throw new Error(`enrolment of ${p.contactId} in ${flow.id} neither created nor found`);
  return { kind: 'already', enrolmentId: existing.id, status: existing.status };
}

export type Trigger =
  | { type: 'keyword'; keywordId: string; sendingNumberId?: string | null }
  | { type: 'form'; formId: string }
  | { type: 'tag_added'; tags: readonly string[] };

/**
 * Enrols the contact in every active flow this event starts. Never throws: a join or a tag change
 * is not undone because a flow could not start (the failure is logged).
 */
export async function enrolOnTrigger(
  env: Pick<Env, 'FLOW_RUNNER'>,
  db: Db,
  p: { tenantId: string; contactId: string; trigger: Trigger; now: Date },
): Promise<string[]> {
  const t = p.trigger;
  if (t.type === 'tag_added' && t.tags.length === 0) return [];
  try {
    const matching = await db
      .select()
      .from(flows)
      .where(
        and(
          eq(flows.tenantId, p.tenantId),
          eq(flows.triggerType, t.type),
          eq(flows.isActive, true),
          isNull(flows.archivedAt),
          t.type === 'keyword'
            ? eq(flows.triggerKeywordId, t.keywordId)
            : t.type === 'form'
              ? eq(flows.triggerFormId, t.formId)
              : inArray(flows.triggerTag, [...t.tags]),
        ),
      );
    const out: string[] = [];
    for (const flow of matching) {
      const source: EnrolSource =
        t.type === 'keyword'
          ? { type: 'keyword', keyword_id: t.keywordId, sending_number_id: t.sendingNumberId ?? null }
          : t.type === 'form'
            ? { type: 'form', form_id: t.formId }
            : { type: 'tag_added', tag: flow.triggerTag ?? undefined };
      const r = await enrolContact(env, db, { flow, contactId: p.contactId, source, now: p.now });
      if (r.kind === 'enrolled') out.push(r.enrolmentId);
    }
    return out;
  } catch (err) {
    console.error('flow enrolment failed', p.tenantId, p.contactId, t.type, err);
    return [];
  }
}
