import { createRoute, z } from '@hono/zod-openapi';
import { eq } from 'drizzle-orm';
import { auditLog } from '../db/schema';
import { newestFirst } from '../http/pagination';
import { createRouter, errorResponses, jsonResponse, PageQuery, page } from '../http/router';

const AuditEntrySchema = z
  .object({
    id: z.string(),
    action: z.string(),
    resource_type: z.string(),
    resource_id: z.string().nullable(),
    user_id: z.string().nullable(),
    api_key_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .openapi('AuditEntry');

export const auditLogRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/audit-log',
    tags: ['Audit log'],
    request: {
      query: PageQuery.extend({
        resource_type: z.string().max(60).optional(),
        resource_id: z.string().max(80).optional(),
      }),
    },
    responses: {
      200: jsonResponse(page(AuditEntrySchema), 'Every mutation, newest first'),
      ...errorResponses,
    },
  }),
  async (c) => {
    const { limit, cursor, resource_type, resource_id } = c.req.valid('query');
    const p = await newestFirst(
      c.get('db'),
      auditLog,
      { tenantId: c.get('principal').tenantId, cursor, limit },
      resource_type ? eq(auditLog.resourceType, resource_type) : undefined,
      resource_id ? eq(auditLog.resourceId, resource_id) : undefined,
    );
    return c.json(
      {
        data: p.data.map((r) => ({
          id: r.id,
          action: r.action,
          resource_type: r.resourceType,
          resource_id: r.resourceId,
          user_id: r.userId,
          api_key_id: r.apiKeyId,
          metadata: r.metadata,
          created_at: r.createdAt,
        })),
        next_cursor: p.next_cursor,
      },
      200,
    );
  },
);
