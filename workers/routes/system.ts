import { createRoute, z } from '@hono/zod-openapi';
import { and, eq, sql } from 'drizzle-orm';
import { CRON_JOB_NAMES } from '../cron';
import { deadLetters } from '../db/schema';
import { createRouter, errorResponses, jsonResponse } from '../http/router';
import { cronRunViews } from '../ops/cron-runs';
import { runHealthChecks } from '../ops/health';

const CheckSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  warning: z.boolean().optional(),
});

const SystemSchema = z
  .object({
    health: z.object({
      ok: z.boolean(),
      checks: z.array(CheckSchema),
      checked_at: z.string(),
      duration_ms: z.number(),
    }),
    cron_jobs: z.array(
      z.object({
        job: z.string(),
        last_started_at: z.string().nullable(),
        last_finished_at: z.string().nullable(),
        ok: z.boolean().nullable(),
        error: z.string().nullable().openapi({ description: 'Ids, emails and numbers masked' }),
        duration_ms: z.number().nullable(),
        last_success_at: z.string().nullable(),
        detail: z.record(z.string(), z.number()).nullable(),
      }),
    ),
    dead_letters: z.object({
      pending: z.number().int().openapi({ description: 'This tenant’s pending letters' }),
    }),
  })
  .openapi('System');

/**
 * Admin only. Health and cron status are the platform's (the same for every tenant, and no
 * tenant's data); dead-letter counts are the caller's own.
 */
export const systemRoutes = createRouter().openapi(
  createRoute({
    method: 'get',
    path: '/system',
    tags: ['System'],
    summary: 'Health checks, the last run of each cron job, pending dead letters',
    responses: { 200: jsonResponse(SystemSchema, 'The platform’s state'), ...errorResponses },
  }),
  async (c) => {
    const control = c.get('control');
    const [health, cron, pending] = await Promise.all([
      runHealthChecks(c.env),
      cronRunViews(control, CRON_JOB_NAMES),
      control
        .select({ n: sql<number>`count(*)` })
        .from(deadLetters)
        .where(and(eq(deadLetters.tenantId, c.get('principal').tenantId), eq(deadLetters.status, 'pending'))),
    ]);
    return c.json({ health, cron_jobs: cron, dead_letters: { pending: pending[0]?.n ?? 0 } }, 200);
  },
);
