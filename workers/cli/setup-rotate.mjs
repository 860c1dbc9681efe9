// Secrets `npm run setup` generates, and `--rotate NAME`, which replaces one of them on every
// Worker that has it.
import { randomBytes } from 'node:crypto';
import { UsageError } from './ops-args.mjs';
import { displayCommand } from './ops-wrangler.mjs';
import { hasEnv } from './setup-config.mjs';
import { SetupUsageError } from './setup-inputs.mjs';
import { readDotEnv, saveSecrets, secretsPath } from './setup-secrets.mjs';

/** Secrets setup generates: who gets them and how. */
export const GENERATED = [
  { key: 'LINK_SECRET', workers: ['main', 'links'], make: () => randomBytes(32).toString('hex') },
  { key: 'OPS_TOKEN', workers: ['main'], make: () => randomBytes(32).toString('base64url') },
  // 32 random bytes, base64: the AES-256 key that encrypts tenants' Twilio credentials at rest.
  { key: 'CREDENTIALS_KEY', workers: ['main'], make: () => randomBytes(32).toString('base64') },
  // Encrypts outbound webhook endpoints' signing secrets at rest (workers/integrations/secret-box.ts).
  { key: 'WEBHOOK_SIGNING_KEY', workers: ['main'], make: () => randomBytes(32).toString('hex') },
];

/** Secrets `--rotate NAME` replaces; *_PREVIOUS keeps the old value working meanwhile. */
export const ROTATABLE = {
  LINK_SECRET: {
    previous: 'LINK_SECRET_PREVIOUS',
    after:
      'links already sent keep working; drop LINK_SECRET_PREVIOUS once the longest link lifetime has passed',
  },
  CREDENTIALS_KEY: {
    previous: 'CREDENTIALS_KEY_PREVIOUS',
    after:
      'stored Twilio credentials are still readable with the previous key; drop CREDENTIALS_KEY_PREVIOUS once they have been re-saved under the new one',
  },
  OPS_TOKEN: { previous: null, after: 'the old token stops working at once' },
};

/**
 * Replaces a generated secret on every Worker that has it. The new value is saved (as NAME_NEXT)
 * before it is put anywhere, so an interrupted rotation is finished by running it again.
 */
export async function rotate(setup, name) {
  const spec = ROTATABLE[name];
  if (!spec) throw new UsageError(`--rotate takes one of ${Object.keys(ROTATABLE).join(', ')}.`);
  if (!hasEnv(setup.main, setup.env)) throw new UsageError(`No [env.${setup.env}] yet: run setup first.`);
  const file = secretsPath(setup.env);
  const saved = readDotEnv(file);
  const current = saved[name] || process.env[`${name}_CURRENT`];
  if (spec.previous && !current) {
    throw new SetupUsageError(
      `The current ${name} is not in ${file}: set ${name}_CURRENT to it (from your password manager), so it can become ${spec.previous}.`,
    );
  }
  const next = saved[`${name}_NEXT`] || GENERATED.find((g) => g.key === name).make();
  if (!setup.dryRun) saveSecrets(file, { [`${name}_NEXT`]: next });
  const workers = GENERATED.find((g) => g.key === name).workers.filter(
    (w) => w === 'main' || setup.links !== null,
  );
  if (spec.previous) for (const w of workers) await setup.putSecret(w, spec.previous, current);
  for (const w of workers) await setup.putSecret(w, name, next);
  if (!setup.dryRun) {
    saveSecrets(file, {
      [name]: next,
      ...(spec.previous ? { [spec.previous]: current } : {}),
      [`${name}_NEXT`]: '',
    });
  }
  setup.warn(`Rotated ${name} on "${setup.env}": ${spec.after}.`);
  if (spec.previous) {
    for (const w of workers) {
      setup.warn(`  later: ${displayCommand(['secret', 'delete', spec.previous, ...setup.workerArgs(w)])}`);
    }
  }
  return 0;
}
