// Counting D1 round trips and statements (benchmarks only: `D1_STATS=1` in development). Each
// entry point wraps the environment's D1 bindings under a label (the queue or route it serves),
// and `/dev/d1-stats` reports what every label cost. A round trip is one call that reaches the
// database (first/all/run/raw on a statement, one batch, one exec); statements count what ran.
type Counts = { roundTrips: number; statements: number };
const stats = new Map<string, Counts>();

function count(label: string, statements: number) {
  const c = stats.get(label) ?? { roundTrips: 0, statements: 0 };
  c.roundTrips += 1;
  c.statements += statements;
  stats.set(label, c);
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
    all: () => {
      count(label, 1);
      return s.all();
    },
    run: () => {
      count(label, 1);
      return s.run();
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
        return (list: D1PreparedStatement[]) => {
          count(label, list.length);
          return target.batch(list.map((s) => (s as Wrapped)[REAL] ?? s));
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

const D1_NAME = /^(CONTROL_DB|SHARD_\d+)$/;

/** The environment with its D1 bindings counted under `label`; the same env when stats are off. */
export function countedEnv<E extends object>(env: E, label: string): E {
  if ((env as { D1_STATS?: string }).D1_STATS !== '1') return env;
  const out: Record<string, unknown> = { ...(env as Record<string, unknown>) };
  for (const [k, v] of Object.entries(env))
    if (D1_NAME.test(k)) out[k] = wrapDatabase(v as D1Database, label);
  return out as E;
}
