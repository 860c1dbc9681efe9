// Running wrangler from the operator scripts (ops, setup). `WRANGLER` overrides which wrangler runs
// (a command on PATH or a path; tests put a recording fake there); otherwise the project's own
// wrangler runs with Node 22 (workers/cli/node.mjs). Output is captured; every failure becomes a
// WranglerError carrying wrangler's own message, and a network failure says the remote is unreachable.
import { spawn } from 'node:child_process';
import { ROOT, tool } from './node.mjs';

export class WranglerError extends Error {
  constructor(args, code, stdout, stderr) {
    const said = wranglerMessage(stdout, stderr);
    super(`wrangler ${args.slice(0, 3).join(' ')} failed${said ? `: ${said}` : ` (exit ${code})`}`);
    this.args = args;
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
    this.said = said;
  }

  /** The API could not be reached at all (no network, DNS, TLS, proxy), as opposed to an answer. */
  get unreachable() {
    return /fetch failed|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|getaddrinfo|network|socket hang up|Unable to connect/i.test(
      `${this.said}\n${this.stderr}`,
    );
  }
}

/** The line worth showing from a failed wrangler: its JSON error, its ✘ [ERROR] line, or the last line. */
function wranglerMessage(stdout, stderr) {
  for (const text of [stdout, stderr]) {
    const trimmed = (text ?? '').trim();
    if (trimmed.startsWith('{')) {
      try {
        const parsed = JSON.parse(trimmed);
        const e = parsed?.error;
        if (e) return [e.text, ...(e.notes ?? []).map((n) => n.text)].filter(Boolean).join(' ');
      } catch {}
    }
  }
  const all = `${stderr ?? ''}\n${stdout ?? ''}`;
  // ANSI colours off, then the first error line wrangler printed.
  const plain = all.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
  const error = plain.split('\n').find((l) => /\[ERROR\]|^\s*✘|^Error:/.test(l));
  if (error)
    return error
      .replace(/^\s*✘\s*/, '')
      .replace('[ERROR] ', '')
      .trim();
  const lines = plain
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.at(-1) ?? '';
}

/** [command, ...leading args] that runs wrangler. */
export function wranglerInvocation() {
  const override = process.env.WRANGLER?.trim();
  if (override) return [override];
  return tool('wrangler');
}

/** The command line a person would type, for --dry-run and messages. */
export function displayCommand(args) {
  const quote = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return ['wrangler', ...args].map(quote).join(' ');
}

/**
 * Runs wrangler and resolves {stdout, stderr}; rejects with WranglerError on a non-zero exit.
 * `input` is written to its stdin (secret values never appear in argv).
 */
export function runWrangler(args, { input, cwd = ROOT, env = {} } = {}) {
  const [cmd, ...lead] = wranglerInvocation();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...lead, ...args], {
      cwd,
      env: { ...process.env, CI: '1', WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (err) => {
      reject(
        new WranglerError(
          args,
          null,
          '',
          `Could not start wrangler (${[cmd, ...lead].join(' ')}): ${err.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new WranglerError(args, code, stdout, stderr));
    });
    child.stdin.end(input ?? '');
  });
}

/** Parses wrangler's `--json` output (it may print a banner or warnings before the JSON). */
export function parseJsonOutput(stdout) {
  const text = stdout.trim();
  const start = text.search(/^[[{]/m);
  if (start < 0) throw new Error(`wrangler printed no JSON: ${text.slice(0, 200)}`);
  return JSON.parse(text.slice(start));
}

/** Queue names from `wrangler queues list`'s table (it has no --json). */
export function parseQueueTable(stdout) {
  const rows = stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  const head = rows.shift();
  const col = head?.indexOf('name') ?? -1;
  if (col < 0) return [];
  return rows.map((r) => r[col]).filter(Boolean);
}
