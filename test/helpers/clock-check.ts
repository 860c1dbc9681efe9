// Before each test file: the three clocks a test can read agree (Node's, which started the run;
// workerd's JavaScript clock; D1's SQLite clock). `npm run test:stress` moves the machine clock a
// year ahead for every process; this check proves the move reached workerd and D1 too, instead of
// a run that only looks shifted.
import { env } from 'cloudflare:workers';

const TOLERANCE_MS = 6 * 3600_000; // a suite run, however slow, is far shorter
const nodeAtStart = Number(env.TEST_NODE_STARTED_MS);
const row = await env.DB.prepare("SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS ms").first<{
  ms: number;
}>();
const clocks = { node: nodeAtStart, workerd: Date.now(), d1: row?.ms ?? Number.NaN };
if (
  !(
    Math.abs(clocks.workerd - clocks.node) < TOLERANCE_MS &&
    Math.abs(clocks.d1 - clocks.workerd) < TOLERANCE_MS
  )
) {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
  throw new Error(
    `the test clocks disagree: Node ${iso(clocks.node)}, workerd ${iso(clocks.workerd)}, D1 ${iso(clocks.d1)}`,
  );
}
