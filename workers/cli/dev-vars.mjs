import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './node.mjs';

/** Creates .dev.vars from the example with fresh random secrets, once. */
export function ensureDevVars() {
  const path = join(ROOT, '.dev.vars');
  if (existsSync(path)) return;
  const example = readFileSync(join(ROOT, '.dev.vars.example'), 'utf8');
  const filled = example
    .replace(
      'SESSION_SECRET=change-me-32-bytes-of-randomness',
      `SESSION_SECRET=${randomBytes(32).toString('hex')}`,
    )
    .replace('LINK_SECRET=change-me-link-signing-secret', `LINK_SECRET=${randomBytes(32).toString('hex')}`)
    .replace('OPS_TOKEN=change-me-ops-token', `OPS_TOKEN=${randomBytes(32).toString('base64url')}`);
  writeFileSync(path, filled);
  console.log('Created .dev.vars with fresh local secrets.');
}
