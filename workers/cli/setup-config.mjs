// Reading and editing wrangler.toml as text, block by block, so comments and layout survive the
// edits `npm run setup` makes (real database ids, vars, one more shard). Only the shapes this
// project's config uses are understood: `[table]` / `[[array]]` headers and `key = "string"`,
// numbers, booleans and string arrays.
import { readFileSync } from 'node:fs';

export const PLACEHOLDER_DB_ID = '00000000-0000-0000-0000-000000000000';
export const BASE_NAME = 'sms-campaigns';

/** [{header, text}] in order; the first block (header null) is everything before the first table. */
export function splitBlocks(text) {
  const parts = text.split(/^(?=\[)/m);
  return parts.map((part) => {
    const header = /^\[\[?([^\]]+)\]\]?/.exec(part);
    return { header: header ? header[0] : null, name: header ? header[1].trim() : null, text: part };
  });
}

export const joinBlocks = (blocks) => blocks.map((b) => b.text).join('');

export function tomlString(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A `key = value` field of a block: strings unescaped, numbers and booleans as such. */
export function field(blockText, key) {
  const m = new RegExp(`^${key}\\s*=\\s*(.+?)\\s*(#.*)?$`, 'm').exec(blockText);
  if (!m) return undefined;
  const raw = m[1];
  if (raw.startsWith('"')) {
    const s = /^"((?:[^"\\]|\\.)*)"/.exec(raw);
    return s ? s[1].replace(/\\(["\\])/g, '$1') : undefined;
  }
  if (raw === 'true' || raw === 'false') return raw === 'true';
  if (/^-?\d+$/.test(raw)) return Number(raw);
  return raw;
}

function setField(blockText, key, value) {
  const line = `${key} = ${typeof value === 'string' ? tomlString(value) : String(value)}`;
  const re = new RegExp(`^${key}\\s*=.*$`, 'm');
  if (re.test(blockText)) return blockText.replace(re, line);
  // Append after the block's last non-empty line.
  const trimmed = blockText.replace(/\s*$/, '');
  const trailing = blockText.slice(trimmed.length) || '\n';
  return `${trimmed}\n${line}${trailing}`;
}

const prefix = (env) => (env ? `env.${env}.` : '');

/**
 * The environment's `routes`: the Worker served on `host` as a Custom Domain (Cloudflare creates
 * its DNS record and certificate on deploy); none for a workers.dev address.
 */
export function setCustomDomain(text, env, host) {
  const blocks = splitBlocks(text);
  const block = blocks.find((b) => b.name === `env.${env}`);
  if (!block) throw new Error(`No [env.${env}] table in the config.`);
  const re = /^routes\s*=.*$\n?/m;
  const line =
    host && !host.endsWith('.workers.dev')
      ? `routes = [{ pattern = ${tomlString(host)}, custom_domain = true }]`
      : null;
  if (re.test(block.text)) block.text = block.text.replace(re, line ? `${line}\n` : '');
  else if (line) {
    const trimmed = block.text.replace(/\s*$/, '');
    block.text = `${trimmed}\n${line}${block.text.slice(trimmed.length) || '\n'}`;
  }
  return joinBlocks(blocks);
}

/** The host of the environment's Custom Domain route, if any. */
export function customDomain(text, env) {
  const block = splitBlocks(text).find((b) => b.name === `env.${env}`);
  return block ? (/^routes\s*=.*pattern\s*=\s*"([^"]+)"/m.exec(block.text)?.[1] ?? null) : null;
}

/** Blocks of one kind (e.g. 'd1_databases', 'vars') at the top level or in `[env.NAME]`. */
export function blocksOf(text, env, kind) {
  return splitBlocks(text).filter((b) => b.name === `${prefix(env)}${kind}`);
}

export function hasEnv(text, env) {
  return splitBlocks(text).some((b) => b.name === `env.${env}` || b.name?.startsWith(`env.${env}.`));
}

export function workerName(text, env) {
  const blocks = splitBlocks(text);
  const top = field(blocks[0]?.text ?? '', 'name');
  if (!env) return top;
  const section = blocks.find((b) => b.name === `env.${env}`);
  return (section && field(section.text, 'name')) ?? `${top}-${env}`;
}

export function vars(text, env) {
  const block = blocksOf(text, env, 'vars')[0];
  if (!block) return {};
  const out = {};
  for (const m of block.text.matchAll(/^([A-Z][A-Z0-9_]*)\s*=/gm)) out[m[1]] = field(block.text, m[1]);
  return out;
}

export function setVar(text, env, key, value) {
  const blocks = splitBlocks(text);
  const block = blocks.find((b) => b.name === `${prefix(env)}vars`);
  if (!block) throw new Error(`No [${prefix(env)}vars] table in the config.`);
  block.text = setField(block.text, key, value);
  return joinBlocks(blocks);
}

/** `[[d1_databases]]` of the top level or an environment: [{binding, database_name, database_id, migrations_dir}]. */
export function databases(text, env) {
  return blocksOf(text, env, 'd1_databases').map((b) => ({
    binding: field(b.text, 'binding'),
    database_name: field(b.text, 'database_name'),
    database_id: field(b.text, 'database_id'),
    migrations_dir: field(b.text, 'migrations_dir'),
  }));
}

export function setDatabaseId(text, env, binding, id) {
  const blocks = splitBlocks(text);
  const block = blocks.find(
    (b) => b.name === `${prefix(env)}d1_databases` && field(b.text, 'binding') === binding,
  );
  if (!block) throw new Error(`No ${binding} in [[${prefix(env)}d1_databases]].`);
  block.text = setField(block.text, 'database_id', id);
  return joinBlocks(blocks);
}

/** Adds a `[[…d1_databases]]` block after the last one of that table. */
export function addDatabase(text, env, db) {
  const blocks = splitBlocks(text);
  const kind = `${prefix(env)}d1_databases`;
  const last = blocks.findLastIndex((b) => b.name === kind);
  if (last < 0) throw new Error(`No [[${kind}]] to add ${db.binding} after.`);
  const body = [
    `[[${kind}]]`,
    `binding = ${tomlString(db.binding)}`,
    `database_name = ${tomlString(db.database_name)}`,
    `database_id = ${tomlString(db.database_id)}`,
    `migrations_dir = ${tomlString(db.migrations_dir)}`,
  ].join('\n');
  const prev = blocks[last];
  if (!prev.text.endsWith('\n\n')) prev.text = `${prev.text.replace(/\s*$/, '')}\n\n`;
  blocks.splice(last + 1, 0, { header: `[[${kind}]]`, name: kind, text: `${body}\n\n` });
  return joinBlocks(blocks);
}

/** The R2 buckets the Worker binds (the campaign archive). */
export function bucketNames(text, env) {
  return blocksOf(text, env, 'r2_buckets')
    .map((b) => field(b.text, 'bucket_name'))
    .filter(Boolean);
}

/** Every queue name the Worker produces to, consumes, or dead-letters into. */
export function queueNames(text, env) {
  const names = new Set();
  for (const kind of ['queues.producers', 'queues.consumers']) {
    for (const b of blocksOf(text, env, kind)) {
      const q = field(b.text, 'queue');
      if (q) names.add(q);
      const dlq = field(b.text, 'dead_letter_queue');
      if (dlq) names.add(dlq);
    }
  }
  return [...names];
}

/** Binding names of every binding kind wrangler environments do not inherit, for the drift check. */
export function bindingNames(text, env) {
  const out = [];
  for (const b of splitBlocks(text)) {
    if (!b.name) continue;
    const kind = env ? b.name.replace(`env.${env}.`, '') : b.name;
    if (env && !b.name.startsWith(`env.${env}.`)) continue;
    if (!env && b.name.startsWith('env.')) continue;
    if (kind === 'vars') {
      for (const k of Object.keys(vars(text, env))) out.push(`vars.${k}`);
    } else if (['d1_databases', 'queues.producers'].includes(kind)) {
      out.push(`${kind}.${field(b.text, 'binding')}`);
    } else if (kind === 'queues.consumers') {
      out.push(`${kind}.${queueBase(field(b.text, 'queue'), env)}`);
    } else if (kind === 'send_email' || kind === 'durable_objects.bindings') {
      out.push(`${kind}.${field(b.text, 'name')}`);
    } else if (['kv_namespaces', 'r2_buckets', 'services', 'analytics_engine_datasets'].includes(kind)) {
      out.push(`${kind}.${field(b.text, 'binding')}`);
    }
  }
  return out.sort();
}

/** A queue's name without the environment suffix (matches workers/queues/index.ts queueBase). */
export function queueBase(name, env) {
  return env && env !== 'production' && name?.endsWith(`-${env}`) ? name.slice(0, -env.length - 1) : name;
}

/** Resource names in an environment: production keeps the plain names, others carry the env name. */
export function envNames(env) {
  const worker = env === 'production' ? BASE_NAME : `${BASE_NAME}-${env}`;
  return {
    worker,
    linkWorker: env === 'production' ? `${BASE_NAME}-links` : `${BASE_NAME}-links-${env}`,
    database: (topName) => topName.replace(new RegExp(`^${BASE_NAME}`), worker),
    queue: (topName) => (env === 'production' ? topName : `${topName}-${env}`),
  };
}

const BINDING_KINDS = [
  'vars',
  'd1_databases',
  'queues.producers',
  'queues.consumers',
  'send_email',
  'durable_objects.bindings',
  'kv_namespaces',
  'r2_buckets',
  'services',
  'analytics_engine_datasets',
];

/**
 * The `[env.NAME]` section for the main Worker, derived from the top-level bindings (wrangler
 * environments inherit no bindings): the same bindings, its own Worker, database and queue names.
 */
export function renderEnvSection(topText, env, { shards } = {}) {
  const names = envNames(env);
  const out = [
    `# ---- Environment "${env}" (npm run setup -- --env ${env} creates its databases and queues and`,
    '# writes their ids here). Wrangler environments inherit no bindings: every binding is repeated.',
    `[env.${env}]`,
    `name = ${tomlString(names.worker)}`,
    '',
  ];
  const topShards = databases(topText, null).filter((d) => /^SHARD_\d+$/.test(d.binding));
  for (const b of splitBlocks(topText)) {
    if (!b.name || !BINDING_KINDS.includes(b.name)) continue;
    let body = b.text
      .slice(b.header.length)
      .replace(/^\s*#.*$/gm, '')
      .replace(/\n{2,}/g, '\n')
      .trim();
    if (b.name === 'vars') {
      body = setField(body, 'ENVIRONMENT', env);
      body = setField(body, 'TWILIO_ACCOUNT_SID', '');
    }
    if (b.name === 'd1_databases') {
      const shard = /^SHARD_(\d+)$/.exec(field(b.text, 'binding') ?? '');
      if (shard && shards !== undefined && Number(shard[1]) >= shards) continue;
      body = setField(body, 'database_name', names.database(field(b.text, 'database_name')));
      body = setField(body, 'database_id', PLACEHOLDER_DB_ID);
    }
    if (b.name === 'r2_buckets') {
      // Bucket names are unique per account, like queue names.
      body = setField(body, 'bucket_name', names.queue(field(b.text, 'bucket_name')));
    }
    if (b.name.startsWith('queues.')) {
      body = setField(body, 'queue', names.queue(field(b.text, 'queue')));
      const dlq = field(b.text, 'dead_letter_queue');
      if (dlq) body = setField(body, 'dead_letter_queue', names.queue(dlq));
    }
    const header = b.header.startsWith('[[') ? `[[env.${env}.${b.name}]]` : `[env.${env}.${b.name}]`;
    out.push(header, body, '');
  }
  let text = `${out.join('\n')}\n`;
  // More shards than the top level binds (--shards N).
  for (let i = topShards.length; shards !== undefined && i < shards; i++) {
    text = addDatabase(text, env, {
      binding: `SHARD_${i}`,
      database_name: `${names.worker}-shard-${i}`,
      database_id: PLACEHOLDER_DB_ID,
      migrations_dir: 'migrations/shard',
    });
  }
  return text;
}

/** The link-only Worker's `[env.NAME]` section: its name, vars, and the main Worker's shards. */
export function renderLinksEnvSection(mainText, env) {
  const names = envNames(env);
  const v = vars(mainText, env);
  const out = [
    `# ---- Environment "${env}": the same shard databases as the main Worker's [env.${env}]`,
    '# (npm run setup -- --env NAME keeps the ids in step).',
    `[env.${env}]`,
    `name = ${tomlString(names.linkWorker)}`,
    '',
    `[env.${env}.vars]`,
    `ENVIRONMENT = ${tomlString(env)}`,
    `PUBLIC_BASE_URL = ${tomlString(v.PUBLIC_BASE_URL ?? 'https://sms.example.com')}`,
    '',
  ];
  for (const d of databases(mainText, env).filter((d) => /^SHARD_\d+$/.test(d.binding))) {
    out.push(
      `[[env.${env}.d1_databases]]`,
      `binding = ${tomlString(d.binding)}`,
      `database_name = ${tomlString(d.database_name)}`,
      `database_id = ${tomlString(d.database_id)}`,
      `migrations_dir = "../../migrations/shard"`,
      '',
    );
  }
  return `${out.join('\n')}\n`;
}

export function readText(path) {
  return readFileSync(path, 'utf8');
}
