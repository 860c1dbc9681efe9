// Security headers on every response of the app (API JSON, problem+json, server-rendered pages)
// and of the admin UI's static assets. Precomputed once per environment: applying them is a few
// header sets. Short-link redirects do not pass through here (workers/redirect/ keeps its own lean
// headers) and HSTS is left out of local runs, which are plain http on 127.0.0.1.
import type { MiddlewareHandler } from 'hono';
import { isDevelopment } from '../providers/email';
import type { AppEnv } from './context';
import { pageCsp, UI_CSP } from './csp';
import { PAGE_STYLE } from './html';

export const HSTS = 'max-age=31536000; includeSubDomains';

type HeaderList = readonly (readonly [string, string])[];

function headerSet(csp: string, local: boolean): HeaderList {
  return [
    ['content-security-policy', csp],
    ['x-content-type-options', 'nosniff'],
    // frame-ancestors 'none' covers current browsers; X-Frame-Options the ones before CSP level 2.
    ['x-frame-options', 'DENY'],
    // Nothing leaks to other sites (no path, no query: /auth/verify?token=… stays here), while
    // same-origin writes keep their Origin header, which the session check relies on.
    ['referrer-policy', 'same-origin'],
    ['cross-origin-opener-policy', 'same-origin'],
    ...(local ? [] : ([['strict-transport-security', HSTS]] as const)),
  ];
}

/** The app's own HTML pages use htmlPage(); JSON needs no more than default-src 'none'. */
export const APP_CSP = pageCsp([PAGE_STYLE]);
const APP = { local: headerSet(APP_CSP, true), deployed: headerSet(APP_CSP, false) };
const UI = { local: headerSet(UI_CSP, true), deployed: headerSet(UI_CSP, false) };

/**
 * Adds the headers a response does not set itself (a page with its own inline style sends its own
 * CSP, built with pageCsp()). A response with immutable headers (one from a fetch) is copied.
 */
export function withHeaders(res: Response, headers: HeaderList): Response {
  const apply = (h: Headers) => setMissing(h, headers);
  try {
    apply(res.headers);
    return res;
  } catch {
    const copy = new Response(res.body, res);
    apply(copy.headers);
    return copy;
  }
}

export function appHeaders(env: Pick<Env, 'ENVIRONMENT'>): HeaderList {
  return isDevelopment(env) ? APP.local : APP.deployed;
}

export function uiHeaders(env: Pick<Env, 'ENVIRONMENT'>): HeaderList {
  return isDevelopment(env) ? UI.local : UI.deployed;
}

/**
 * Sets the headers a response does not set itself. A page whose own CSP allows framing (the public
 * signup form, embedded on the tenant's site) gets no X-Frame-Options: DENY either.
 */
function setMissing(h: Headers, headers: HeaderList) {
  const own = h.get('content-security-policy');
  const framable = own !== null && /frame-ancestors\s+(?!'none')/.test(own);
  for (const [name, value] of headers) {
    if (h.has(name) || (framable && name === 'x-frame-options')) continue;
    h.set(name, value);
  }
}

/** First middleware of the app: runs after everything else, errors and 404s included. */
export const securityHeaders: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  const headers = appHeaders(c.env);
  try {
    setMissing(c.res.headers, headers);
  } catch {
    c.res = withHeaders(new Response(c.res.body, c.res), headers);
  }
};
