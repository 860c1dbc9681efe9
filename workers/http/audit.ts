import type { Context } from 'hono';
import { uuidv7 } from '../db/ids';
import { auditLog } from '../db/schema';
import type { AppEnv } from './context';

export type AuditEntry = {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  metadata?: Record<string, unknown>;
};

/** The row to insert; use with db.batch() so the change and its audit entry commit together. */
export function auditRow(c: Context<AppEnv>, entry: AuditEntry) {
  const p = c.get('principal');
  return c
    .get('db')
    .insert(auditLog)
    .values({
      id: uuidv7(),
      tenantId: p.tenantId,
      userId: p.userId,
      apiKeyId: p.apiKeyId,
      action: entry.action,
      resourceType: entry.resourceType,
      resourceId: entry.resourceId ?? null,
      metadata: { ...entry.metadata, via: p.via },
    });
}

export async function audit(c: Context<AppEnv>, entry: AuditEntry) {
  await auditRow(c, entry);
}

/** `{field: {from, to}}` for the fields whose value changed. */
export function diff<T extends Record<string, unknown>>(before: T, after: Partial<T>) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, v] of Object.entries(after)) {
    if (v !== undefined && JSON.stringify(before[k]) !== JSON.stringify(v))
      changes[k] = { from: before[k], to: v };
  }
  return changes;
}
