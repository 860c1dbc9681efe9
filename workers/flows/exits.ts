// Leaving a flow early. An enrolment stops at once when its contact opts out (STOP, the opt-out
// API, a carrier's 21610), when its flow is deleted, or when its runner finds it can go no further
// (no consent, its step removed, the contact erased). The step it was on records the exit, for
// the report's "exited" column. A runner whose enrolment has left finds it so at its next alarm
// and stops; a flow message not yet handed to the carrier is refused by the sender at its claim.
import { type SQL, sql } from 'drizzle-orm';

/** The statements that take one enrolment out of the flow, if it is still where the runner saw it. */
export function exitStatements(
  e: { id: string; version: number; current_step_id: string | null },
  reason: string,
  at: string,
): SQL[] {
  return [
    sql`UPDATE flow_step_runs SET exited_at = ${at}
         WHERE enrolment_id = ${e.id} AND step_id = ${e.current_step_id} AND exited_at IS NULL
           AND EXISTS (SELECT 1 FROM flow_enrolments WHERE id = ${e.id} AND version = ${e.version} AND status = 'active')`,
    sql`UPDATE flow_enrolments
           SET status = 'exited', exit_reason = ${reason}, finished_at = ${at}, next_run_at = NULL,
               version = version + 1, updated_at = ${at}
         WHERE id = ${e.id} AND version = ${e.version} AND status = 'active'`,
  ];
}

/** Every enrolment in progress that `scope` selects (a subquery of enrolment ids), out at once. */
function exitWhere(scope: SQL, reason: string, at: string): SQL[] {
  return [
    sql`UPDATE flow_step_runs SET exited_at = ${at}
         WHERE exited_at IS NULL
           AND (enrolment_id, step_id) IN (SELECT id, current_step_id FROM flow_enrolments
                                            WHERE status = 'active' AND id IN (${scope}))`,
    sql`UPDATE flow_enrolments
           SET status = 'exited', exit_reason = ${reason}, finished_at = ${at}, next_run_at = NULL,
               version = version + 1, updated_at = ${at}
         WHERE status = 'active' AND id IN (${scope})`,
  ];
}

/** The enrolments in progress of whoever has this phone (every contact row of the tenant with it). */
export function exitPhoneEnrolments(tenantId: string, phoneE164: string, reason: string, at: string): SQL[] {
  return exitWhere(
    sql`SELECT e.id FROM flow_enrolments e JOIN contacts c ON c.id = e.contact_id
         WHERE c.tenant_id = ${tenantId} AND c.phone_e164 = ${phoneE164} AND e.status = 'active'`,
    reason,
    at,
  );
}

/** The enrolments in progress of one flow (it was deleted). */
export function exitFlowEnrolments(tenantId: string, flowId: string, reason: string, at: string): SQL[] {
  return exitWhere(
    sql`SELECT id FROM flow_enrolments WHERE flow_id = ${flowId} AND tenant_id = ${tenantId} AND status = 'active'`,
    reason,
    at,
  );
}
