// The provider client of each tenant: its own Twilio account when it has one (issue 10), else the
// platform's. Credentials are read (and opened) once per tenant per batch, lazily, so a batch that
// sends nothing for a tenant never reads them.
import type { Db } from '../db/client';
import { resolveTwilioAccount } from '../db/twilio-accounts';
import { TwilioClient, twilioConfigFromEnv } from '../providers/twilio';
import type { Messenger } from './types';

/** A Messenger that answers every call with a failure (no account to send through). */
function unavailable(message: string): Messenger {
  const failure = { kind: 'http' as const, httpStatus: 401, code: 20003, message };
  return {
    send: async () => ({ ok: false, failure }),
    find: async () => ({ ok: false, failure }),
  };
}

export function tenantMessengers(env: Env, control: Db): (tenantId: string) => Messenger {
  const clients = new Map<string, Promise<Messenger>>();
  const clientOf = (tenantId: string) => {
    let p = clients.get(tenantId);
    if (!p) {
      p = resolveTwilioAccount(env, control, tenantId).then((account) =>
        account
          ? new TwilioClient({ ...twilioConfigFromEnv(env), ...account.credentials })
          : unavailable('No Twilio account: the tenant has none and the platform account is not configured.'),
      );
      clients.set(tenantId, p);
    }
    return p;
  };
  return (tenantId) => ({
    send: async (msg) => (await clientOf(tenantId)).send(msg),
    find: async (q) => (await clientOf(tenantId)).find(q),
  });
}
