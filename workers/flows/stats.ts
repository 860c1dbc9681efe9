// A flow's report (issue 14): per step, how many enrolments entered it, how many of its messages
// went out, how many of those were clicked (a human click on the step's personal link), how many
// enrolments left the flow there, and a branch's split; per flow, the enrolments by state and the
// revenue attributed to its links (workers/db/conversions.ts).
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { flowRevenue, type RevenueTotals } from '../db/conversions';
import { describeMinutes, type FlowStep, flatSteps } from '../domain/flow-steps';

export type StepFigures = {
  step_id: string;
  type: FlowStep['type'];
  label: string;
  depth: number;
  arm: string | null;
  entered: number;
  sent: number;
  clicked: number;
  exited: number;
  then_count: number | null;
  else_count: number | null;
};

export type FlowStats = {
  steps: StepFigures[];
  enrolments: { active: number; completed: number; exited: number; total: number };
  messages_sent: number;
  cost_cents: number;
} & RevenueTotals;

type Counts = { active: number; completed: number; exited: number };

/** Enrolments by state for each flow (one grouped query over the flow/status index). */
export async function enrolmentCounts(db: Db, tenantId: string, flowIds: readonly string[]) {
  const out = new Map<string, Counts>();
  for (const id of flowIds) out.set(id, { active: 0, completed: 0, exited: 0 });
  if (flowIds.length === 0) return out;
  const rows = await db.all<{ flow_id: string; status: keyof Counts; n: number }>(sql`
    SELECT flow_id, status, count(*) AS n FROM flow_enrolments
     WHERE tenant_id = ${tenantId} AND flow_id IN (SELECT value FROM json_each(${JSON.stringify(flowIds)}))
     GROUP BY flow_id, status`);
  for (const r of rows) {
    const c = out.get(r.flow_id);
    if (c) c[r.status] = r.n;
  }
  return out;
}

function labelOf(step: FlowStep, templateNames: Map<string, string>): string {
  if (step.type === 'send') return `Send “${templateNames.get(step.template_id) ?? 'deleted template'}”`;
  if (step.type === 'wait') return `Wait ${describeMinutes(step.minutes)}`;
  return `${step.on === 'clicked' ? 'Clicked' : 'Replied'} within ${describeMinutes(step.within_minutes)}?`;
}

export async function flowStats(
  db: Db,
  control: Db,
  flow: { id: string; tenantId: string; steps: FlowStep[] },
): Promise<FlowStats> {
  const [rows, counts, names, revenue] = await Promise.all([
    db.all<{
      step_id: string;
      entered: number;
      sent: number;
      clicked: number;
      exited: number;
      took_then: number;
      took_else: number;
      cost: number;
    }>(sql`
      SELECT r.step_id, count(*) AS entered,
             sum(CASE WHEN m.sent_at IS NOT NULL THEN 1 ELSE 0 END) AS sent,
             sum(CASE WHEN l.human_click_count > 0 THEN 1 ELSE 0 END) AS clicked,
             sum(CASE WHEN r.exited_at IS NOT NULL THEN 1 ELSE 0 END) AS exited,
             sum(CASE WHEN r.outcome = 'then' THEN 1 ELSE 0 END) AS took_then,
             sum(CASE WHEN r.outcome = 'else' THEN 1 ELSE 0 END) AS took_else,
             coalesce(sum(CASE WHEN m.sent_at IS NOT NULL THEN m.cost_cents END), 0) AS cost
        FROM flow_step_runs r
        LEFT JOIN direct_messages m ON m.id = r.direct_message_id
        LEFT JOIN short_links l ON l.id = r.short_link_id
       WHERE r.flow_id = ${flow.id} AND r.tenant_id = ${flow.tenantId}
       GROUP BY r.step_id`),
    enrolmentCounts(db, flow.tenantId, [flow.id]),
    db.all<{ id: string; name: string }>(sql`
      SELECT id, name FROM message_templates WHERE tenant_id = ${flow.tenantId}
         AND id IN (SELECT json_extract(value, '$.template_id') FROM json_tree(${JSON.stringify(flow.steps)})
                     WHERE type = 'object' AND json_extract(value, '$.type') = 'send')`),
    flowRevenue(db, control, flow.tenantId, flow.id),
  ]);
  const byStep = new Map(rows.map((r) => [r.step_id, r]));
  const templateNames = new Map(names.map((n) => [n.id, n.name]));
  const steps = flatSteps(flow.steps).map(({ step, depth, arm }): StepFigures => {
    const r = byStep.get(step.id);
    return {
      step_id: step.id,
      type: step.type,
      label: labelOf(step, templateNames),
      depth,
      arm,
      entered: r?.entered ?? 0,
      sent: r?.sent ?? 0,
      clicked: r?.clicked ?? 0,
      exited: r?.exited ?? 0,
      then_count: step.type === 'branch' ? (r?.took_then ?? 0) : null,
      else_count: step.type === 'branch' ? (r?.took_else ?? 0) : null,
    };
  });
  const c = counts.get(flow.id) ?? { active: 0, completed: 0, exited: 0 };
  return {
    steps,
    enrolments: { ...c, total: c.active + c.completed + c.exited },
    messages_sent: rows.reduce((n, r) => n + (r.sent ?? 0), 0),
    cost_cents: rows.reduce((n, r) => n + (r.cost ?? 0), 0),
    ...revenue,
  };
}
