import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './node.mjs';

/**
 * Creates .dev.vars from the example with fresh random secrets, once. A .dev.vars written by an
 * older checkout gains the settings added since (issue 10: CREDENTIALS_KEY, the Messaging API base).
 */
export function ensureDevVars() {
  const path = join(ROOT, '.dev.vars');
  if (!existsSync(path)) {
    const example = readFileSync(join(ROOT, '.dev.vars.example'), 'utf8');
    const filled = example
      .replace(
        'SESSION_SECRET=change-me-32-bytes-of-randomness',
        `SESSION_SECRET=${randomBytes(32).toString('hex')}`,
      )
      .replace('LINK_SECRET=change-me-link-signing-secret', `LINK_SECRET=${randomBytes(32).toString('hex')}`)
      .replace(
        'WEBHOOK_SIGNING_KEY=change-me-webhook-signing-key',
        `WEBHOOK_SIGNING_KEY=${randomBytes(32).toString('hex')}`,
      )
      .replace(
        'CREDENTIALS_KEY=change-me-32-random-bytes-base64',
        `CREDENTIALS_KEY=${randomBytes(32).toString('base64')}`,
      );
    writeFileSync(path, filled);
    console.log('Created .dev.vars with fresh local secrets.');
    return;
  }
  const current = readFileSync(path, 'utf8');
  const missing = [];
  if (!/^CREDENTIALS_KEY=/m.test(current))
    missing.push(`CREDENTIALS_KEY=${randomBytes(32).toString('base64')}`);
  if (!/^TWILIO_MESSAGING_API_BASE=/m.test(current)) {
    const api = /^TWILIO_API_BASE=(.*)$/m.exec(current)?.[1];
    if (api) missing.push(`TWILIO_MESSAGING_API_BASE=${api}`);
  }
  if (missing.length) {
    writeFileSync(path, `${current.replace(/\n?$/, '\n')}${missing.join('\n')}\n`);
    console.log(`Added to .dev.vars: ${missing.map((l) => l.split('=')[0]).join(', ')}.`);
  }
}
