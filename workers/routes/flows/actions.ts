// Enrolling a contact by API, and a flow's per-step report (issue 14).
import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { contacts, doNotContact } from '../../db/schema';
import { enrolContact } from '../../flows/enrol';
import { flowStats } from '../../flows/stats';
import { auditRow } from '../../http/audit';
import { ApiError } from '../../http/errors';
import { createRouter, errorResponses, IdParam, jsonBody, jsonResponse } from '../../http/router';
import { findFlow } from './crud';

const EnrolBody = z.object({ contact_id: z.uuid() }).strict();
const EnrolmentSchema = z
  .object({
    enrolment_id: z.string(),
    /** false: the contact was already in the flow (or went through it, and it allows no re-entry). */
    created: z.boolean(),
    status: z.string(),
  })
  .openapi('FlowEnrolment');

const StepStats = z.object({
  step_id: z.string(),
  type: z.string(),
  label: z.string(),
  depth: z.number().int(),
  arm: z.string().nullable(),
  entered: z.number().int(),
  sent: z.number().int(),
  clicked: z.number().int(),
  exited: z.number().int(),
  /** A branch: how many enrolments took its `then` arm, and its `else` arm. */
  then_count: z.number().int().nullable(),
  else_count: z.number().int().nullable(),
});
const FlowStatsSchema = z
  .object({
    steps: z.array(StepStats),
    enrolments: z.object({
      active: z.number().int(),
      completed: z.number().int(),
      exited: z.number().int(),
      total: z.number().int(),
    }),
    messages_sent: z.number().int(),
    cost_cents: z.number().int(),
    conversions: z.number().int(),
    revenue_cents: z.number().int(),
    revenue_currency: z.string(),
    other_currencies: z.array(
      z.object({ currency: z.string(), conversions: z.number().int(), revenue_cents: z.number().int() }),
    ),
  })
  .openapi('FlowStats');

const invalid = (path: string, message: string) =>
  new ApiError('VALIDATION', message, { errors: [{ path, message }] });

export const flowActionRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'post',
      path: '/flows/{id}/enroll',
      tags: ['Flows'],
      request: { params: IdParam, body: jsonBody(EnrolBody) },
      responses: {
        202: jsonResponse(EnrolmentSchema, 'Enrolled (or already enrolled): the flow runs on its own'),
        409: errorResponses[422],
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const p = c.get('principal');
      const flow = await findFlow(db, p.tenantId, c.req.valid('param').id);
      const { contact_id } = c.req.valid('json');
      const contact = await db.query.contacts.findFirst({
        columns: { id: true, phoneE164: true },
        where: and(eq(contacts.id, contact_id), eq(contacts.tenantId, p.tenantId), isNull(contacts.erasedAt)),
      });
      if (!contact) throw invalid('contact_id', 'No contact of yours has this id.');
      const listed = await db.query.doNotContact.findFirst({
        columns: { id: true },
        where: and(eq(doNotContact.tenantId, p.tenantId), eq(doNotContact.phoneE164, contact.phoneE164)),
      });
      if (listed) throw invalid('contact_id', 'This contact is on the do-not-contact list.');
      const r = await enrolContact(c.env, db, {
        flow,
        contactId: contact.id,
        source: { type: 'api', user_id: p.userId ?? null, api_key_id: p.apiKeyId ?? null },
        now: new Date(),
      });
      if (r.kind === 'refused')
        throw new ApiError(
          'CONFLICT',
          r.reason === 'flow_paused'
            ? 'The flow is paused: resume it to enrol contacts.'
            : 'The flow has no steps.',
        );
      if (r.kind === 'enrolled')
        await db.batch([
          auditRow(c, {
            action: 'flow.enrolled',
            resourceType: 'flow',
            resourceId: flow.id,
            metadata: { contact_id: contact.id, enrolment_id: r.enrolmentId },
          }),
        ]);
      return c.json(
        {
          enrolment_id: r.enrolmentId,
          created: r.kind === 'enrolled',
          status: r.kind === 'enrolled' ? 'active' : r.status,
        },
        202,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/flows/{id}/stats',
      tags: ['Flows'],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(FlowStatsSchema, 'Per step: entered, sent, clicked, exited'),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const flow = await findFlow(db, c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(await flowStats(db, c.get('control'), flow), 200);
    },
  );
