// shard database: automation flows, their enrolments and the steps each enrolment entered.
import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { FlowStep } from '../../domain/flow-steps';
import { bool, createdAt, id, isBool, oneOf, textNoCase, updatedAt } from './columns';
import { contacts } from './contacts';
import { tenants } from './control';
import { keywords, signupForms } from './growth';
import { directMessages, shortLinks } from './messages';

// ---------------------------------------------------------------------------------------------
// shard database (issue 14, second part): automation flows. A flow is a trigger and a tree of
// steps (workers/domain/flow-steps.ts); an enrolment is one contact's way through it, advanced by
// its FlowRunner Durable Object (durable-objects/flow-runner.ts, one alarm per enrolment); a step
// run records each step an enrolment entered, for the per-step report.
export const FLOW_TRIGGERS = ['keyword', 'form', 'tag_added', 'api'] as const;
export type FlowTrigger = (typeof FLOW_TRIGGERS)[number];
export const ENROLMENT_STATUSES = ['active', 'completed', 'exited'] as const;
export type EnrolmentStatus = (typeof ENROLMENT_STATUSES)[number];

export const flows = sqliteTable(
  'flows',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Paused flows enrol nobody, run no step and hold their queued messages until resumed. */
    isActive: bool('is_active').notNull().default(false),
    /** Whether a contact who finished (or left) the flow may enter it again. */
    allowReentry: bool('allow_reentry').notNull().default(false),
    triggerType: text('trigger_type', { enum: FLOW_TRIGGERS }).notNull(),
    triggerKeywordId: text('trigger_keyword_id').references(() => keywords.id, { onDelete: 'set null' }),
    triggerFormId: text('trigger_form_id').references(() => signupForms.id, { onDelete: 'set null' }),
    triggerTag: textNoCase('trigger_tag'),
    steps: text('steps', { mode: 'json' }).$type<FlowStep[]>().notNull().default(sql`'[]'`),
    /** Marketing: no flow message in the recipient's own night (their zone, else the tenant's). */
    quietHoursStart: text('quiet_hours_start').notNull().default('20:00'),
    quietHoursEnd: text('quiet_hours_end').notNull().default('09:00'),
    /** Deleted flows stay (archived) so their links, report and attributed revenue keep their flow. */
    archivedAt: text('archived_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // triggers look up the active flows of one kind: (tenant, trigger) leads with the tenant
    index('flows_tenant_trigger_idx').on(t.tenantId, t.triggerType),
    index('flows_trigger_keyword_id_idx').on(t.triggerKeywordId),
    index('flows_trigger_form_id_idx').on(t.triggerFormId),
    check('flows_trigger_enum', oneOf('trigger_type', FLOW_TRIGGERS)),
    check('flows_is_active_bool', isBool('is_active')),
    check('flows_allow_reentry_bool', isBool('allow_reentry')),
    check('flows_quiet_start_hhmm', sql`${t.quietHoursStart} GLOB '[0-2][0-9]:[0-5][0-9]'`),
    check('flows_quiet_end_hhmm', sql`${t.quietHoursEnd} GLOB '[0-2][0-9]:[0-5][0-9]'`),
  ],
);

export const flowEnrolments = sqliteTable(
  'flow_enrolments',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    flowId: text('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    contactId: text('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ENROLMENT_STATUSES }).notNull().default('active'),
    /** Why it left early: opted_out, do_not_contact, contact_erased, no_consent, step_removed, flow_deleted… */
    exitReason: text('exit_reason'),
    /** The step it is on (null once finished). */
    currentStepId: text('current_step_id'),
    /** When it entered that step: waits and branch windows count from here. */
    stepStartedAt: text('step_started_at'),
    /** When its runner's alarm is due next (null: finished, or held while the flow is paused). */
    nextRunAt: text('next_run_at'),
    /** When its last message was queued: a branch's window starts there. */
    lastSendAt: text('last_send_at'),
    /** Set when a step came due while the flow was paused; resuming the flow wakes these. */
    heldAt: text('held_at'),
    /** What enrolled it: {type, keyword_id?, form_id?, tag?, user_id?, api_key_id?}. */
    source: text('source', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    /** Bumped by every move: two runners (an alarm and a wake) can never both move it. */
    version: integer('version').notNull().default(0),
    enteredAt: text('entered_at').notNull(),
    finishedAt: text('finished_at'),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('flow_enrolments_tenant_id_idx').on(t.tenantId),
    // the flow's enrolments by state: counts, held ones to wake, active ones to stop
    index('flow_enrolments_flow_status_idx').on(t.flowId, t.status, t.id),
    // a contact's enrolments: stopped at once when they opt out
    index('flow_enrolments_contact_id_idx').on(t.contactId, t.status),
    // one enrolment in progress per contact and flow, whatever races
    uniqueIndex('flow_enrolments_active_unique').on(t.flowId, t.contactId).where(sql`status = 'active'`),
    check('flow_enrolments_status_enum', oneOf('status', ENROLMENT_STATUSES)),
  ],
);

export const flowStepRuns = sqliteTable(
  'flow_step_runs',
  {
    id: id(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    flowId: text('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    enrolmentId: text('enrolment_id')
      .notNull()
      .references(() => flowEnrolments.id, { onDelete: 'cascade' }),
    stepId: text('step_id').notNull(),
    stepType: text('step_type').notNull(),
    enteredAt: text('entered_at').notNull(),
    finishedAt: text('finished_at'),
    /** queued (a send), waited, then / else (a branch), skipped (a send that could not go). */
    outcome: text('outcome'),
    /** A send step's message and personal link. */
    directMessageId: text('direct_message_id').references(() => directMessages.id, { onDelete: 'set null' }),
    shortLinkId: text('short_link_id').references(() => shortLinks.id, { onDelete: 'set null' }),
    /** Set when the enrolment left the flow at this step (opt-out, flow deleted, step removed…). */
    exitedAt: text('exited_at'),
  },
  (t) => [
    // an enrolment enters each step once (the tree has no loops): redeliveries record nothing twice
    uniqueIndex('flow_step_runs_enrolment_step_unique').on(t.enrolmentId, t.stepId),
    // the per-step report
    index('flow_step_runs_flow_step_idx').on(t.flowId, t.stepId),
    index('flow_step_runs_tenant_id_idx').on(t.tenantId),
    index('flow_step_runs_direct_message_id_idx').on(t.directMessageId),
    index('flow_step_runs_short_link_id_idx').on(t.shortLinkId),
  ],
);
