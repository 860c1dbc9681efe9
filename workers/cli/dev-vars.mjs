// `.dev.vars`: the local Worker's secrets and settings (git-ignored; `wrangler dev` reads it).
// Created from `.dev.vars.example` when missing; an existing file keeps every value its owner set
// and gains the example's keys it lacks, so an older file never silently misses a setting.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './node.mjs';

export const DEV_VARS = join(ROOT, '.dev.vars');
const EXAMPLE = join(ROOT, '.dev.vars.example');
/** An example value starting with this stands for "a fresh random secret". */
const SECRET_PLACEHOLDER = 'change-me';
/** What `npm start` wrote for these before it stopped writing them: not the user's choice. */
const LEGACY_DEFAULTS = {
  PUBLIC_BASE_URL: 'http://127.0.0.1:8787',
  TWILIO_API_BASE: 'http://127.0.0.1:8788',
  TWILIO_MESSAGING_API_BASE: 'http://127.0.0.1:8788',
};
/** Secrets read as base64 key material (AES-GCM keys: 32 bytes); the others are opaque strings. */
const BASE64_SECRETS = new Set(['CREDENTIALS_KEY']);

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/;

/** KEY=VALUE lines (dotenv syntax as wrangler reads it: # comments, optional quotes). */
export function parseVars(text) {
  const vars = new Map();
  for (const line of text.split(/\r?\n/)) {
    if (/^\s*#/.test(line)) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    let value = m[2] ?? '';
    const quoted = /^(['"`])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2] ?? '';
    else value = value.replace(/\s+#.*$/, '');
    vars.set(m[1], value);
  }
  return vars;
}

function fill(value, key) {
  if (!value.startsWith(SECRET_PLACEHOLDER)) return value;
  return randomBytes(32).toString(BASE64_SECRETS.has(key) ? 'base64' : 'hex');
}

/**
 * Makes sure the vars file at `path` (default: `.dev.vars`, or DEV_VARS_FILE) exists and has every
 * key of `.dev.vars.example`: a missing file is created, absent keys (and empty ones the example
 * gives a value) are added, secrets with fresh random values; one line says what was done.
 * Returns the file's variables.
 */
export function ensureDevVars(path = process.env.DEV_VARS_FILE || DEV_VARS) {
  const name = relative(ROOT, path).startsWith('..') ? path : relative(ROOT, path);
  const example = readFileSync(EXAMPLE, 'utf8');
  if (!existsSync(path)) {
    const text = example.replace(/^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm, (_, k, v) => `${k}=${fill(v, k)}`);
    writeFileSync(path, text);
    console.log(`Created ${name} with fresh local secrets (from .dev.vars.example).`);
    return parseVars(text);
  }
  let text = readFileSync(path, 'utf8');
  const have = parseVars(text);
  const added = [];
  const appended = [];
  for (const [key, exampleValue] of parseVars(example)) {
    const current = have.get(key);
    if (current !== undefined && (current !== '' || exampleValue === '')) continue;
    const value = fill(exampleValue, key);
    added.push(value === exampleValue ? key : `${key} (fresh random value)`);
    if (current === undefined) appended.push(`${key}=${value}`);
    else text = text.replace(new RegExp(`^(\\s*(?:export\\s+)?${key}\\s*=).*$`, 'm'), `$1${value}`);
  }
  if (added.length === 0) return have;
  if (appended.length > 0) {
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    text += `${sep}# Added from .dev.vars.example by npm start:\n${appended.join('\n')}\n`;
  }
  writeFileSync(path, text);
  console.log(`${name} lacked ${added.join(', ')}: added from .dev.vars.example.`);
  return parseVars(text);
}

/**
 * The `wrangler dev --var` flags `npm start` needs: PUBLIC_BASE_URL and the Twilio API bases point at
 * this machine and at the local Twilio simulator, unless the vars file sets them (say, a tunnel and the
 * real Twilio API): a --var flag would beat the file. `honoured` lists the values the file keeps.
 */
export function localVarFlags(vars, { baseUrl, simulatorUrl }) {
  const wanted = {
    PUBLIC_BASE_URL: baseUrl,
    TWILIO_API_BASE: simulatorUrl,
    TWILIO_MESSAGING_API_BASE: simulatorUrl,
  };
  const args = [];
  const honoured = [];
  for (const [key, local] of Object.entries(wanted)) {
    const set = vars.get(key);
    if (set && set !== LEGACY_DEFAULTS[key]) honoured.push([key, set]);
    else args.push('--var', `${key}:${local}`);
  }
  return { args, honoured };
}
