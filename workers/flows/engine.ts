// Moving one flow enrolment forward (called by its FlowRunner Durable Object when a step comes due).
// The enrolment row is the truth: which step, since when, the version every move bumps. A run
// reads it, does what the step needs (queue a message, wait, decide a branch) and moves it with a
// compare-and-set on the version, so an alarm and a wake-up racing, or a rerun after a crash,
// never move it twice. A message is keyed `flow:<enrolment>:<step>`: at most one SMS per step.
import { sql } from 'drizzle-orm';
import { runBatch } from '../db/batch';
import { uuidv7 } from '../db/ids';
import type { Shard } from '../db/shards';
import type { FlowStep } from '../domain/flow-steps';
import { branchTarget, findStep, nextStepId } from '../domain/flow-steps';
import { isQuietTime, nextSendTime } from '../domain/quiet-hours';
import { exitStatements } from './exits';
import { queueFlowMessage } from './send-step';

/** Immediate moves in one run (sends and finished waits back to back) before yielding a moment. */
const MAX_MOVES = 25;

export type EnrolmentState = {
  id: string;
  tenant_id: string;
  flow_id: string;
  contact_id: string;
  status: string;
  current_step_id: string | null;
  step_started_at: string | null;
  last_send_at: string | null;
  version: number;
  flow_active: number;
  flow_archived_at: string | null;
  steps: string;
  quiet_hours_start: string;
  quiet_hours_end: string;
  phone_e164: string;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  contact_tz: string | null;
  custom_fields: string | null;
  consent_status: string;
  erased_at: string | null;
  dnc: number;
  tenant_tz: string;
  allow_unknown_consent: number;
  append_opt_out_footer: number;
  /** The number the contact joined through (keyword), while it can still send and receive. */
  source_number_id: string | null;
};

async function load(shard: Shard, tenantId: string, enrolmentId: string): Promise<EnrolmentState | null> {
  const [row] = await shard.db.all<EnrolmentState>(sql`
    SELECT e.id, e.tenant_id, e.flow_id, e.contact_id, e.status, e.current_step_id, e.step_started_at,
           e.last_send_at, e.version,
           f.is_active AS flow_active, f.archived_at AS flow_archived_at, f.steps, f.quiet_hours_start,
           f.quiet_hours_end,
           c.phone_e164, c.first_name, c.last_name, c.email, c.timezone AS contact_tz, c.custom_fields,
           c.consent_status, c.erased_at,
           EXISTS (SELECT 1 FROM do_not_contact d WHERE d.tenant_id = e.tenant_id AND d.phone_e164 = c.phone_e164) AS dnc,
           t.timezone AS tenant_tz, t.allow_unknown_consent, t.append_opt_out_footer,
           (SELECT n.id FROM sending_numbers n
             WHERE n.id = json_extract(e.source, '$.sending_number_id') AND n.tenant_id = e.tenant_id
               AND n.is_active = 1 AND n.kind <> 'alphanumeric') AS source_number_id
      FROM flow_enrolments e
      JOIN flows f ON f.id = e.flow_id
      JOIN contacts c ON c.id = e.contact_id
      JOIN tenants t ON t.id = e.tenant_id
     WHERE e.id = ${enrolmentId} AND e.tenant_id = ${tenantId}`);
  return row ?? null;
}

type Step = { kind: 'moved' } | { kind: 'wait'; until: Date } | { kind: 'stop' };

/**
 * Runs the enrolment as of `now` as far as it can go; answers when it is due next, or null when it
 * has finished, left the flow, or is held by a paused flow (resuming wakes it).
 */
export async function advanceEnrolment(
  env: Env,
  shard: Shard,
  ref: { tenantId: string; enrolmentId: string },
  now: Date,
): Promise<Date | null> {
  for (let i = 0; i < MAX_MOVES; i++) {
    const e = await load(shard, ref.tenantId, ref.enrolmentId);
    if (e?.status !== 'active') return null;
    const r = await runStep(env, shard, e, now);
    if (r.kind === 'stop') return null;
    if (r.kind === 'wait') {
      await shard.db.run(
        sql`UPDATE flow_enrolments SET next_run_at = ${r.until.toISOString()} WHERE id = ${e.id} AND version = ${e.version}`,
      );
      return r.until;
    }
  }
  return new Date(now.getTime() + 1000);
}

async function runStep(env: Env, shard: Shard, e: EnrolmentState, now: Date): Promise<Step> {
  const at = now.toISOString();
  const exit = async (reason: string): Promise<Step> => {
    await runBatch(shard.db, exitStatements(e, reason, at));
    return { kind: 'stop' };
  };
  if (e.flow_archived_at !== null) return exit('flow_deleted');
  if (e.erased_at !== null) return exit('contact_erased');
  if (e.dnc === 1) return exit('opted_out');
  if (e.flow_active !== 1) {
    // Held: nothing runs while the flow is paused; resuming it wakes every held enrolment.
    await shard.db.run(sql`
      UPDATE flow_enrolments SET held_at = coalesce(held_at, ${at}), next_run_at = NULL
       WHERE id = ${e.id} AND version = ${e.version}`);
    return { kind: 'stop' };
  }
  const steps = JSON.parse(e.steps) as FlowStep[];
  const step = e.current_step_id ? findStep(steps, e.current_step_id) : null;
  if (!step) return exit('step_removed');
  const started = new Date(e.step_started_at ?? at);

  if (step.type === 'wait') {
    const due = new Date(started.getTime() + step.minutes * 60_000);
    if (now < due) return { kind: 'wait', until: due };
    return move(shard, e, steps, nextStepId(steps, step.id), at, { outcome: 'waited' });
  }
  if (step.type === 'branch') {
    const due = new Date(started.getTime() + step.within_minutes * 60_000);
    if (now < due) return { kind: 'wait', until: due };
    const from = e.last_send_at ?? e.step_started_at ?? at;
    const took = await happened(shard, e, step.on, from, due.toISOString());
    return move(shard, e, steps, branchTarget(steps, step, took), at, { outcome: took ? 'then' : 'else' });
  }

  // A send: never queued inside the recipient's night (the sender holds it too, as a second guard),
  // so the branch windows that follow start when the message can actually go.
  const tz = e.contact_tz ?? e.tenant_tz;
  if (isQuietTime(now, tz, e.quiet_hours_start, e.quiet_hours_end))
    return { kind: 'wait', until: nextSendTime(now, tz, e.quiet_hours_start, e.quiet_hours_end) };
  if (e.consent_status === 'unknown' && e.allow_unknown_consent !== 1) return exit('no_consent');
  const sent = await queueFlowMessage(env, shard, e, step, now);
  if (sent.kind === 'skipped')
    return move(shard, e, steps, nextStepId(steps, step.id), at, { outcome: `skipped: ${sent.reason}` });
  return move(shard, e, steps, nextStepId(steps, step.id), at, {
    outcome: 'queued',
    directMessageId: sent.messageId,
    shortLinkId: sent.shortLinkId,
    sentAt: at,
  });
}

/** Whether the contact clicked one of this enrolment's links, or replied, between `from` and `to`. */
async function happened(
  shard: Shard,
  e: EnrolmentState,
  on: 'clicked' | 'replied',
  from: string,
  to: string,
): Promise<boolean> {
  const rows =
    on === 'clicked'
      ? await shard.db.all(sql`
          SELECT 1 FROM short_links l, json_each(l.recent_clicks) c
           WHERE l.flow_enrolment_id = ${e.id} AND l.tenant_id = ${e.tenant_id} AND l.recent_clicks IS NOT NULL
             AND c.value >= ${from} AND c.value <= ${to}
           LIMIT 1`)
      : await shard.db.all(sql`
          SELECT 1 FROM events
           WHERE contact_id = ${e.contact_id} AND tenant_id = ${e.tenant_id} AND event_type = 'REPLIED'
             AND created_at >= ${from} AND created_at <= ${to}
           LIMIT 1`);
  return rows.length > 0;
}

type Finished = { outcome: string; directMessageId?: string; shortLinkId?: string | null; sentAt?: string };

/**
 * Moves from the current step to `next` (or finishes), records the step left and the step entered.
 * Every statement after the compare-and-set only applies if this move is the one that happened.
 */
async function move(
  shard: Shard,
  e: EnrolmentState,
  steps: FlowStep[],
  next: string | null,
  at: string,
  done: Finished,
): Promise<Step> {
  const version = e.version + 1;
  const stepType = next ? (findStep(steps, next)?.type ?? 'send') : null;
  const won = sql`EXISTS (SELECT 1 FROM flow_enrolments WHERE id = ${e.id} AND version = ${version}
                          AND current_step_id IS ${next} AND step_started_at IS ${next ? at : e.step_started_at})`;
  await runBatch(shard.db, [
    sql`UPDATE flow_enrolments
           SET version = ${version}, current_step_id = ${next}, step_started_at = ${next ? at : e.step_started_at},
               next_run_at = ${next ? at : null}, held_at = NULL,
               last_send_at = ${done.sentAt ?? e.last_send_at},
               status = ${next ? 'active' : 'completed'}, finished_at = ${next ? null : at}, updated_at = ${at}
         WHERE id = ${e.id} AND version = ${e.version} AND status = 'active'`,
    sql`UPDATE flow_step_runs
           SET finished_at = coalesce(finished_at, ${at}), outcome = coalesce(outcome, ${done.outcome}),
               direct_message_id = coalesce(direct_message_id, ${done.directMessageId ?? null}),
               short_link_id = coalesce(short_link_id, ${done.shortLinkId ?? null})
         WHERE enrolment_id = ${e.id} AND step_id = ${e.current_step_id} AND ${won}`,
    ...(next
      ? [
          sql`INSERT INTO flow_step_runs (id, tenant_id, flow_id, enrolment_id, step_id, step_type, entered_at)
              SELECT ${uuidv7(Date.parse(at))}, ${e.tenant_id}, ${e.flow_id}, ${e.id}, ${next}, ${stepType}, ${at}
               WHERE ${won}
              ON CONFLICT (enrolment_id, step_id) DO NOTHING`,
        ]
      : []),
  ]);
  return { kind: 'moved' };
}
