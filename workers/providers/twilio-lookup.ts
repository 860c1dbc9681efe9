// GET {TWILIO_API_BASE}/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json: what Twilio knows
// about one message now. Used by reconciliation for jobs whose final callback never came.
import { z } from 'zod';

const MessageResource = z.object({
  sid: z.string(),
  status: z.string(),
  error_code: z.union([z.number(), z.string()]).nullish(),
  error_message: z.string().nullish(),
  from: z.string().nullish(),
  to: z.string().nullish(),
  date_sent: z.string().nullish(),
});

export type TwilioMessage = {
  sid: string;
  status: string;
  errorCode: string | null;
  errorMessage: string | null;
  from: string | null;
  to: string | null;
};

export type LookupResult =
  | { kind: 'found'; message: TwilioMessage }
  /** Twilio answered 404: it has no message with this sid in our account. */
  | { kind: 'not_found' }
  /** Anything else (network, 401, 429, 5xx, unreadable body): try again later. */
  | { kind: 'error'; detail: string };

type LookupEnv = Pick<Env, 'TWILIO_API_BASE' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN'>;

export async function fetchTwilioMessage(
  env: LookupEnv,
  sid: string,
  timeoutMs = 10_000,
): Promise<LookupResult> {
  const base = env.TWILIO_API_BASE.replace(/\/+$/, '');
  const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(env.TWILIO_ACCOUNT_SID)}/Messages/${encodeURIComponent(sid)}.json`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: {
        authorization: `Basic ${btoa(`${env.TWILIO_ACCOUNT_SID}:${env.TWILIO_AUTH_TOKEN}`)}`,
        accept: 'application/json',
      },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { kind: 'error', detail: `request failed: ${String(err)}` };
  }
  if (res.status === 404) {
    await res.body?.cancel();
    return { kind: 'not_found' };
  }
  if (!res.ok) {
    await res.body?.cancel();
    return { kind: 'error', detail: `HTTP ${res.status}` };
  }
  const parsed = MessageResource.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return { kind: 'error', detail: 'unreadable message resource' };
  const m = parsed.data;
  return {
    kind: 'found',
    message: {
      sid: m.sid,
      status: m.status.toLowerCase(),
      errorCode: m.error_code === null || m.error_code === undefined ? null : String(m.error_code),
      errorMessage: m.error_message ?? null,
      from: m.from ?? null,
      to: m.to ?? null,
    },
  };
}
