/** Typed fetch wrapper for the Worker's JSON API: same-origin cookies, JSON in and out, problem+json errors. */

export type FieldError = { path: string; message: string };

/** An error answer from the API (RFC 9457 problem details), or a network failure (status 0). */
export class ApiProblem extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly errors: FieldError[];
  readonly body: Record<string, unknown>;

  constructor(status: number, title: string, detail: string, errors: FieldError[] = [], body = {}) {
    super(detail || title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
    this.body = body;
  }

  /** The message for one field (`phone`, `custom_fields.plan`), if the server named it. */
  fieldError(path: string): string | undefined {
    return this.errors.find((e) => e.path === path || e.path.startsWith(`${path}.`))?.message;
  }
}

export type Page<T> = { data: T[]; next_cursor: string | null };

type Query = Record<string, string | number | boolean | null | undefined>;

export type RequestOptions = {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  json?: unknown;
  body?: BodyInit;
  query?: Query;
  signal?: AbortSignal;
  /** Extra request headers (e.g. `idempotency-key`). */
  headers?: Record<string, string>;
};

let onUnauthenticated: () => void = () => {
  window.location.assign('/login');
};

/** Lets the app decide where a 401 goes (the router's /login, without a full reload). */
export function setUnauthenticatedHandler(handler: () => void) {
  onUnauthenticated = handler;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toFieldErrors(v: unknown): FieldError[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isRecord).map((e) => ({ path: String(e.path ?? ''), message: String(e.message ?? '') }));
}

async function problemFrom(res: Response): Promise<ApiProblem> {
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (isRecord(body)) {
    const title = typeof body.title === 'string' ? body.title : res.statusText || 'Request failed';
    const detail = typeof body.detail === 'string' ? body.detail : '';
    return new ApiProblem(res.status, title, detail, toFieldErrors(body.errors), body);
  }
  return new ApiProblem(res.status, res.statusText || 'Request failed', `The server answered ${res.status}.`);
}

/** Saves an editor's resource: PATCH `<collection>/<id>` when it exists, else POST to the collection. */
export function saveResource<T>(
  collection: string,
  existing: { id: string } | null | undefined,
  json: unknown,
) {
  return existing
    ? api<T>(`${collection}/${existing.id}`, { method: 'PATCH', json })
    : api<T>(collection, { json });
}

/** Calls the API; resolves with the parsed JSON (undefined for 204), rejects with ApiProblem. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body = opts.body;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), {
      method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      body,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiProblem(
      0,
      'Network error',
      'Could not reach the server. Check your connection and try again.',
    );
  }
  if (res.status === 401 && path.startsWith('/api/')) {
    onUnauthenticated();
  }
  if (!res.ok) throw await problemFrom(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** A readable sentence for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiProblem) return err.detail || err.title;
  if (err instanceof Error) return err.message;
  return 'Something went wrong.';
}
