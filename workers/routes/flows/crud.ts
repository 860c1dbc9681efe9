// Automation flows (issue 14): create, list, read, change, delete. A flow is created paused unless
// asked otherwise; pausing holds its enrolments (nothing runs, queued messages wait), resuming
// wakes them; changing its steps wakes them too (a shorter wait is due sooner), and an enrolment
// whose step was removed leaves the flow. Deleting archives it: its enrolments leave at once, its
// links, report and revenue keep their flow.
import { createRoute } from '@hono/zod-openapi';
import { and, eq, isNull } from 'drizzle-orm';
import { runBatch } from '../../db/batch';
import type { Db } from '../../db/client';
import { uuidv7 } from '../../db/ids';
import { flows } from '../../db/schema';
import { exitFlowEnrolments } from '../../flows/exits';
import { enqueueWake } from '../../flows/queue';
import { enrolmentCounts } from '../../flows/stats';
import { auditRow, diff } from '../../http/audit';
import { notFound } from '../../http/errors';
import { newestFirst } from '../../http/pagination';
import {
  createRouter,
  errorResponses,
  IdParam,
  jsonBody,
  jsonResponse,
  PageQuery,
  page,
} from '../../http/router';
import {
  checkFlowSteps,
  checkTrigger,
  FlowCreate,
  FlowPatch,
  type FlowRow,
  FlowSchema,
  flowJson,
} from './schemas';

export async function findFlow(db: Db, tenantId: string, id: string): Promise<FlowRow> {
  const f = await db.query.flows.findFirst({
    where: and(eq(flows.id, id), eq(flows.tenantId, tenantId), isNull(flows.archivedAt)),
  });
  if (!f) throw notFound('Flow');
  return f;
}

async function withCounts(db: Db, f: FlowRow) {
  const counts = await enrolmentCounts(db, f.tenantId, [f.id]);
  return flowJson(f, counts.get(f.id) ?? { active: 0, completed: 0, exited: 0 });
}

export const flowCrudRoutes = createRouter()
  .openapi(
    createRoute({
      method: 'get',
      path: '/flows',
      tags: ['Flows'],
      request: { query: PageQuery },
      responses: { 200: jsonResponse(page(FlowSchema), 'Flows, newest first'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { limit, cursor } = c.req.valid('query');
      const p = await newestFirst(db, flows, { tenantId, cursor, limit }, isNull(flows.archivedAt));
      const counts = await enrolmentCounts(
        db,
        tenantId,
        p.data.map((f) => f.id),
      );
      return c.json(
        {
          data: p.data.map((f) => flowJson(f, counts.get(f.id) ?? { active: 0, completed: 0, exited: 0 })),
          next_cursor: p.next_cursor,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'post',
      path: '/flows',
      tags: ['Flows'],
      request: { body: jsonBody(FlowCreate) },
      responses: { 201: jsonResponse(FlowSchema, 'Created'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const body = c.req.valid('json');
      const trigger = await checkTrigger(db, tenantId, body.trigger);
      const steps = await checkFlowSteps(db, tenantId, body.steps);
      const id = uuidv7();
      const [[created]] = await db.batch([
        db
          .insert(flows)
          .values({
            id,
            tenantId,
            name: body.name,
            isActive: body.is_active,
            allowReentry: body.allow_reentry,
            ...trigger,
            steps,
            quietHoursStart: body.quiet_hours_start,
            quietHoursEnd: body.quiet_hours_end,
          })
          .returning(),
        auditRow(c, {
          action: 'flow.created',
          resourceType: 'flow',
          resourceId: id,
          metadata: {
            name: body.name,
            trigger: body.trigger,
            steps: steps.length,
            is_active: body.is_active,
          },
        }),
      ]);
      return c.json(flowJson(created as FlowRow, { active: 0, completed: 0, exited: 0 }), 201);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/flows/{id}',
      tags: ['Flows'],
      request: { params: IdParam },
      responses: { 200: jsonResponse(FlowSchema, 'A flow'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const f = await findFlow(db, c.get('principal').tenantId, c.req.valid('param').id);
      return c.json(await withCounts(db, f), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'patch',
      path: '/flows/{id}',
      tags: ['Flows'],
      request: { params: IdParam, body: jsonBody(FlowPatch) },
      responses: { 200: jsonResponse(FlowSchema, 'The updated flow'), ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const before = await findFlow(db, tenantId, id);
      const trigger = body.trigger ? await checkTrigger(db, tenantId, body.trigger) : {};
      const steps = body.steps ? await checkFlowSteps(db, tenantId, body.steps, before.steps) : undefined;
      const [[after]] = await db.batch([
        db
          .update(flows)
          .set({
            name: body.name,
            isActive: body.is_active,
            allowReentry: body.allow_reentry,
            ...trigger,
            steps,
            quietHoursStart: body.quiet_hours_start,
            quietHoursEnd: body.quiet_hours_end,
            updatedAt: new Date().toISOString(),
          })
          .where(and(eq(flows.id, id), eq(flows.tenantId, tenantId)))
          .returning(),
        auditRow(c, {
          action: 'flow.updated',
          resourceType: 'flow',
          resourceId: id,
          metadata: {
            changes: diff(
              {
                name: before.name,
                is_active: before.isActive,
                allow_reentry: before.allowReentry,
                quiet_hours_start: before.quietHoursStart,
                quiet_hours_end: before.quietHoursEnd,
              },
              body,
            ),
            ...(body.trigger ? { trigger: body.trigger } : {}),
            ...(steps ? { steps_changed: JSON.stringify(steps) !== JSON.stringify(before.steps) } : {}),
          },
        }),
      ]);
      const resumed = body.is_active === true && !before.isActive;
      const stepsChanged = steps !== undefined && JSON.stringify(steps) !== JSON.stringify(before.steps);
      if ((resumed || stepsChanged) && (after as FlowRow).isActive) await enqueueWake(c.env, tenantId, id);
      return c.json(await withCounts(db, after as FlowRow), 200);
    },
  )
  .openapi(
    createRoute({
      method: 'delete',
      path: '/flows/{id}',
      tags: ['Flows'],
      request: { params: IdParam },
      responses: {
        204: { description: 'Deleted (archived): its enrolments left the flow' },
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const { tenantId } = c.get('principal');
      const { id } = c.req.valid('param');
      const before = await findFlow(db, tenantId, id);
      const at = new Date().toISOString();
      await runBatch(db, [
        db
          .update(flows)
          .set({ isActive: false, archivedAt: at, updatedAt: at })
          .where(and(eq(flows.id, id), eq(flows.tenantId, tenantId))),
        ...exitFlowEnrolments(tenantId, id, 'flow_deleted', at),
        auditRow(c, {
          action: 'flow.deleted',
          resourceType: 'flow',
          resourceId: id,
          metadata: { name: before.name },
        }),
      ]);
      return c.body(null, 204);
    },
  );
