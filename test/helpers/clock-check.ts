// Before each test file: the clocks a test can read agree. workerd's JavaScript clock and D1's
// SQLite clock must match, and neither may be behind the moment Node started the run (watch mode
// may run files days later, so only that direction is checked). `npm run test:stress` moves the
// machine clock a year ahead for every process of the run; this proves the move reached workerd and
// D1 too, instead of a run that only looks shifted.
import { env } from 'cloudflare:workers';

const TOLERANCE_MS = 3600_000;
const node = Number(env.TEST_NODE_STARTED_MS);
const workerd = Date.now();
const row = await env.CONTROL_DB.prepare("SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) AS ms").first<{
  ms: number;
}>();
const d1 = row?.ms ?? Number.NaN;
if (!(Math.abs(d1 - workerd) < TOLERANCE_MS && workerd > node - TOLERANCE_MS)) {
  const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
  throw new Error(
    `the test clocks disagree: Node started the run at ${iso(node)}, workerd says ${iso(workerd)}, D1 says ${iso(d1)}`,
  );
}
