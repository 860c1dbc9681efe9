// Where a host name points, asked over DNS-over-HTTPS: a Worker has no resolver of its own. Used at
// save time to refuse webhook and image URLs whose name resolves to a private address. Injectable:
// tests pass a fake resolver (or mock fetch for the DoH endpoint).
import { isPublicIp } from '../domain/public-address';

export type Resolution = { ok: true; addresses: string[] } | { ok: false; reason: string };
export type Resolver = (hostname: string) => Promise<Resolution>;

export const DOH_ENDPOINT = 'https://cloudflare-dns.com/dns-query';
const DOH_TIMEOUT_MS = 5000;

type DohAnswer = { Status?: number; Answer?: { type: number; data: string }[] };

/** A resolver asking a DNS-over-HTTPS JSON endpoint for A and AAAA records. */
export function dohResolver(endpoint = DOH_ENDPOINT, fetchFn: typeof fetch = fetch): Resolver {
  return async (hostname) => {
    const ask = async (type: 'A' | 'AAAA') => {
      const url = `${endpoint}?name=${encodeURIComponent(hostname)}&type=${type}`;
      const res = await fetchFn(url, {
        headers: { accept: 'application/dns-json' },
        signal: AbortSignal.timeout(DOH_TIMEOUT_MS),
      });
      if (!res.ok) throw new Error(`DNS-over-HTTPS answered ${res.status}`);
      return (await res.json()) as DohAnswer;
    };
    let answers: DohAnswer[];
    try {
      answers = await Promise.all([ask('A'), ask('AAAA')]);
    } catch {
      return { ok: false, reason: `we could not look up ${hostname} just now; try again in a minute` };
    }
    const addresses = answers.flatMap((a) =>
      (a.Answer ?? []).filter((r) => r.type === 1 || r.type === 28).map((r) => r.data),
    );
    if (addresses.length === 0) return { ok: false, reason: `${hostname} does not resolve to any address` };
    return { ok: true, addresses };
  };
}

/** Null when every address of the host is public; otherwise why not. */
export async function privateAddressProblem(hostname: string, resolve: Resolver): Promise<string | null> {
  const r = await resolve(hostname);
  if (!r.ok) return r.reason;
  const bad = r.addresses.find((a) => !isPublicIp(a));
  return bad ? `${hostname} resolves to a private or reserved address (${bad})` : null;
}
