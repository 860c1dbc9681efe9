// Counting D1 round trips and statements (benchmarks only: `D1_STATS=1` in development). Each
// entry point wraps the environment's D1 bindings under a label (the queue or route it serves),
// and `/dev/d1-stats` reports what every label cost. A round trip is one call that reaches the
// database (first/all/run/raw on a statement, one batch, one exec); statements count what ran.
// Durable Object calls are counted too (label `do:<binding>`, one round trip per RPC call), and
// each queue label its batches and their messages, so a benchmark can tell what bounds it.
// `rowsWritten` sums D1's own `meta.rows_written` (what D1 bills) where the call returns it (run,
// all, batch; not first/raw, which answer rows only).
type Counts = {
  roundTrips: number;
  statements: number;
  rowsWritten?: number;
  batches?: number;
  messages?: number;
};
const stats = new Map<string, Counts>();

function count(label: string, statements: number) {
  const c = stats.get(label) ?? { roundTrips: 0, statements: 0 };
  c.roundTrips += 1;
  c.statements += statements;
  stats.set(label, c);
}

/** One queue batch of `size` messages delivered to the consumer under `label` (when counting). */
export function countQueueBatch(env: object, label: string, size: number): void {
  if ((env as { D1_STATS?: string }).D1_STATS !== '1') return;
  const c = stats.get(label) ?? { roundTrips: 0, statements: 0 };
  c.batches = (c.batches ?? 0) + 1;
  c.messages = (c.messages ?? 0) + size;
  stats.set(label, c);
}

function addRowsWritten(label: string, results: readonly unknown[]) {
  let n = 0;
  for (const r of results) n += (r as { meta?: { rows_written?: number } } | null)?.meta?.rows_written ?? 0;
  const c = stats.get(label);
  if (c) c.rowsWritten = (c.rowsWritten ?? 0) + n;
}

export function d1Stats(): Record<string, Counts> {
  return Object.fromEntries(stats);
}

export function resetD1Stats(): void {
  stats.clear();
}

const REAL = Symbol('real statement');
type Wrapped = D1PreparedStatement & { [REAL]: D1PreparedStatement };

function wrapStatement(s: D1PreparedStatement, label: string): D1PreparedStatement {
  const w = {
    [REAL]: s,
    bind: (...values: unknown[]) => wrapStatement(s.bind(...values), label),
    first: (col?: string) => {
      count(label, 1);
      return col === undefined ? s.first() : s.first(col);
    },
    all: async () => {
      count(label, 1);
      const r = await s.all();
      addRowsWritten(label, [r]);
      return r;
    },
    run: async () => {
      count(label, 1);
      const r = await s.run();
      addRowsWritten(label, [r]);
      return r;
    },
    raw: (opts?: { columnNames?: boolean }) => {
      count(label, 1);
      return (s.raw as (o?: unknown) => Promise<unknown[]>)(opts);
    },
  };
  return w as unknown as Wrapped;
}

function wrapDatabase(d1: D1Database, label: string): D1Database {
  return new Proxy(d1, {
    get(target, prop, receiver) {
      if (prop === 'prepare') return (q: string) => wrapStatement(target.prepare(q), label);
      if (prop === 'batch')
        return async (list: D1PreparedStatement[]) => {
          count(label, list.length);
          const results = await target.batch(list.map((s) => (s as Wrapped)[REAL] ?? s));
          addRowsWritten(label, results);
          return results;
        };
      if (prop === 'exec')
        return (q: string) => {
          count(label, q.split(';').filter((x) => x.trim()).length);
          return target.exec(q);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** A Durable Object stub whose method calls count as round trips under `label`. */
function wrapStub(stub: object, label: string): object {
  return new Proxy(stub, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      // `then` must stay as it is: a stub returned from an async function is checked for it.
      if (typeof prop !== 'string' || prop === 'then' || typeof v !== 'function') return v;
      // Reflect.apply: an RPC method is itself a stub, whose own `apply` would be a remote call.
      return (...args: unknown[]) => {
        count(label, 0);
        return Reflect.apply(v, target, args);
      };
    },
  });
}

function wrapNamespace(ns: DurableObjectNamespace, label: string): DurableObjectNamespace {
  return new Proxy(ns, {
    get(target, prop) {
      const v = Reflect.get(target, prop);
      if (typeof v !== 'function') return v;
      if (prop === 'get' || prop === 'getByName')
        return (...args: unknown[]) => wrapStub(Reflect.apply(v, target, args), label);
      return (...args: unknown[]) => Reflect.apply(v, target, args);
    },
  });
}

// One wrapper per (binding, label), so a cache keyed by the binding (the shards' drizzle instances,
// workers/db/shards.ts) still hits under counting instead of rebuilding drizzle on every call.
const wrapped = new WeakMap<object, Map<string, unknown>>();
function cachedWrap<T extends object>(binding: T, label: string, wrap: () => T): T {
  let byLabel = wrapped.get(binding);
  if (!byLabel) {
    byLabel = new Map();
    wrapped.set(binding, byLabel);
  }
  let w = byLabel.get(label) as T | undefined;
  if (!w) {
    w = wrap();
    byLabel.set(label, w);
  }
  return w;
}

const D1_NAME = /^(CONTROL_DB|SHARD_\d+)$/;
const DO_NAME = /^(SENDING_NUMBER|TENANT_GOVERNOR)$/;

/**
 * The environment with its D1 bindings counted under `label` and its Durable Object calls under
 * `do:<binding>`; the same env when stats are off.
 */
export function countedEnv<E extends object>(env: E, label: string): E {
  if ((env as { D1_STATS?: string }).D1_STATS !== '1') return env;
  const out: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [k, v] of Object.entries(env)) {
    if (D1_NAME.test(k))
      out[k] = cachedWrap(v as D1Database, label, () => wrapDatabase(v as D1Database, label));
    else if (DO_NAME.test(k))
      out[k] = cachedWrap(v as DurableObjectNamespace, `do:${k}`, () =>
        wrapNamespace(v as DurableObjectNamespace, `do:${k}`),
      );
  }
  return out as E;
}
