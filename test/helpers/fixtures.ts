import { env, exports } from 'cloudflare:workers';
import { createSession, newApiKey } from '../../workers/auth/session';
import { getDb } from '../../workers/db/client';
import { uuidv7 } from '../../workers/db/ids';
import { apiKeys, type Role, tenants, users } from '../../workers/db/schema';
import { sha256Hex } from '../../workers/lib/crypto';

export const BASE = 'https://sms.example.test';
export const db = () => getDb(env.DB);

export type TestTenant = {
  tenantId: string;
  adminId: string;
  adminEmail: string;
  keys: Record<Role, string>;
  /** Calls the Worker as this tenant with an API key of the given role (admin by default). */
  api: (path: string, init?: RequestInit & { json?: unknown; role?: Role }) => Promise<Response>;
  sessionCookie: () => Promise<string>;
};

let counter = 0;

/** A fresh tenant with an admin user and one API key per role. Tests never share tenants. */
export async function createTenant(name = 'Test Co', opts: { timezone?: string } = {}): Promise<TestTenant> {
  const d = db();
  const tenantId = uuidv7();
  const adminId = uuidv7();
  const adminEmail = `admin-${++counter}-${tenantId.slice(-6)}@example.com`;
  await d.insert(tenants).values({ id: tenantId, name, timezone: opts.timezone ?? 'Australia/Sydney' });
  await d.insert(users).values({ id: adminId, tenantId, email: adminEmail, role: 'admin' });
  const keys = {} as Record<Role, string>;
  for (const role of ['admin', 'staff', 'viewer'] as const) {
    const key = newApiKey();
    keys[role] = key;
    await d.insert(apiKeys).values({
      id: uuidv7(),
      tenantId,
      name: `${role} key`,
      role,
      keyHash: await sha256Hex(key),
      prefix: key.slice(0, 10),
    });
  }
  const api: TestTenant['api'] = (path, init = {}) => {
    const { json, role = 'admin', headers, ...rest } = init;
    const h = new Headers(headers);
    if (!h.has('authorization')) h.set('authorization', `Bearer ${keys[role]}`);
    if (json !== undefined) h.set('content-type', 'application/json');
    return call(path, { ...rest, headers: h, body: json !== undefined ? JSON.stringify(json) : rest.body });
  };
  const sessionCookie = async () => {
    const s = await createSession(d, { id: adminId, tenantId });
    return `sid=${s.token}`;
  };
  return { tenantId, adminId, adminEmail, keys, api, sessionCookie };
}

export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

export async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
