// One check for every URL the platform itself will fetch on a tenant's behalf (webhook endpoints,
// MMS images): https, no credentials, and a public address — literal IPs and internal names are
// refused outright, host names must resolve (DNS-over-HTTPS) to public addresses only.
// Development skips the DNS half and accepts http://localhost (a receiver on the developer's machine).
//
// Why at save time only: a Worker's fetch cannot reach private networks or loopback (it leaves
// from Cloudflare's edge, not from a host inside anyone's network), so the residual risk of a name
// re-pointed later (DNS rebinding) is small; deliveries also never follow redirects.
import { checkPublicUrl } from '../domain/public-address';
import { ApiError } from '../http/errors';
import { dohResolver, privateAddressProblem, type Resolver } from './dns';

let resolverOverride: Resolver | null = null;

/** Tests (and only tests) replace the DNS-over-HTTPS resolver. */
export function setResolverForTests(r: Resolver | null) {
  resolverOverride = r;
}

export function resolverFor(env: Pick<Env, 'ENVIRONMENT'>): Resolver | null {
  if (resolverOverride) return resolverOverride;
  return env.ENVIRONMENT === 'development' ? null : dohResolver();
}

/** The URL, or a 422 naming `path` with the reason. */
export async function assertPublicUrl(
  env: Pick<Env, 'ENVIRONMENT'>,
  raw: string,
  opts: { path: string; label: string },
): Promise<URL> {
  const fail = (message: string) =>
    new ApiError('VALIDATION', message, { errors: [{ path: opts.path, message }] });
  const checked = checkPublicUrl(raw, { environment: env.ENVIRONMENT, label: opts.label });
  if (!checked.ok) throw fail(checked.reason);
  const resolver = resolverFor(env);
  const host = checked.url.hostname;
  if (resolver && !host.startsWith('[') && !/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    const problem = await privateAddressProblem(host, resolver);
    if (problem) throw fail(`${opts.label} is not usable: ${problem}.`);
  }
  return checked.url;
}
