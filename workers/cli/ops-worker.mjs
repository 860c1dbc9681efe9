// The operator endpoints of the running Worker (/ops/v1, workers/routes/ops.ts): what only the
// Worker can do (send an invitation email, tell the TenantGovernor Durable Object). Remote: the
// environment's PUBLIC_BASE_URL (or OPS_URL) with OPS_TOKEN from the environment or
// `.secrets/<env>.env`. Local: `wrangler dev` on 127.0.0.1:$PORT (8787) with OPS_TOKEN from .dev.vars,
// when it runs.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './node.mjs';
import { readDotEnv, secretsPath } from './setup-secrets.mjs';

const TIMEOUT_MS = 15_000;

export class WorkerUnreachableError extends Error {}

/** fetch's error, as a person would want it: the socket error code when there is one. */
function reason(err) {
  const cause = err?.cause;
  return (
    cause?.code ??
    cause?.errors?.[0]?.code ??
    (err?.name === 'TimeoutError' ? 'timed out' : null) ??
    cause?.message ??
    err?.message
  );
}

export class WorkerClient {
  constructor({ base, token, where }) {
    this.base = base?.replace(/\/+$/, '') ?? null;
    this.token = token ?? null;
    this.where = where;
  }

  /** Why the endpoints cannot be used, or null when they answer (checked once). */
  async problem() {
    if (this.checked !== undefined) return this.checked;
    this.checked = await this.#probe();
    return this.checked;
  }

  async #probe() {
    if (!this.base) return `no URL for the Worker (${this.where})`;
    if (!this.token) return `no OPS_TOKEN (${this.where})`;
    let res;
    try {
      res = await fetch(`${this.base}/ops/v1/ping`, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(this.where.startsWith('local') ? 2_000 : TIMEOUT_MS),
      });
    } catch (err) {
      return `${this.base} does not answer (${reason(err)})`;
    }
    if (res.status === 404)
      return `${this.base} has no operator endpoints: the Worker has no OPS_TOKEN secret (or an older version runs)`;
    if (res.status === 401) return `${this.base} refused the OPS_TOKEN (${this.where})`;
    if (!res.ok) return `${this.base}/ops/v1/ping answered ${res.status}`;
    return null;
  }

  /** POSTs to an operator endpoint; resolves {status, body}. Throws WorkerUnreachableError without an answer. */
  async post(path, body = {}) {
    const problem = await this.problem();
    if (problem) throw new WorkerUnreachableError(problem);
    let res;
    try {
      res = await fetch(`${this.base}/ops/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(TIMEOUT_MS * 4),
      });
    } catch (err) {
      throw new WorkerUnreachableError(`${this.base} did not answer ${path} (${reason(err)})`);
    }
    const text = await res.text();
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, ok: res.ok, body: parsed ?? { detail: text.slice(0, 300) } };
  }

  /** GETs a development route (local only): the outbox. */
  async outboxLink(email) {
    if (!this.base) return null;
    try {
      const res = await fetch(`${this.base}/dev/outbox`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) return null;
      const rows = await res.json();
      return rows.find((r) => r.to === email)?.link ?? null;
    } catch {
      return null;
    }
  }
}

/** The client for where the CLI points: remote (an environment) or local. */
export function workerClient({ remote, env, vars }) {
  if (remote) {
    const file = secretsPath(env ?? 'default');
    const token = process.env.OPS_TOKEN?.trim() || readDotEnv(file).OPS_TOKEN || null;
    const base = process.env.OPS_URL?.trim() || vars.PUBLIC_BASE_URL || null;
    const where = `remote${env ? ` env ${env}` : ''}: OPS_TOKEN from the environment or ${file}, URL from OPS_URL or PUBLIC_BASE_URL in wrangler.toml`;
    return new WorkerClient({ base: base?.includes('sms.example.com') ? null : base, token, where });
  }
  const devVars = existsSync(join(ROOT, '.dev.vars')) ? readDotEnv(join(ROOT, '.dev.vars')) : {};
  const token = process.env.OPS_TOKEN?.trim() || devVars.OPS_TOKEN || null;
  const base = process.env.OPS_URL?.trim() || `http://127.0.0.1:${process.env.PORT ?? 8787}`;
  return new WorkerClient({
    base,
    token,
    where: 'local: wrangler dev (npm start), OPS_TOKEN from .dev.vars',
  });
}
