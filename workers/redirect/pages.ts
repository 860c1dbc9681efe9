// The pages a recipient sees when a link cannot take them anywhere: small, self-contained,
// readable on a phone, and never cached (an expired page must not outlive a fixed link). The
// opt-out pages (workers/optout/) are built the same way.
import { pageCsp } from '../http/csp';

export const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] ?? ch,
  );

const STYLE = `
body{font-family:system-ui,-apple-system,sans-serif;margin:0;min-height:100vh;display:grid;place-items:center;background:#f6f7f9;color:#1f2933}
main{max-width:28rem;margin:1.5rem;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 .75rem}p{line-height:1.5;margin:.5rem 0}
button{font:inherit;font-size:1.05rem;margin-top:1rem;padding:.8rem 1.4rem;border:0;border-radius:8px;background:#b42318;color:#fff;width:100%;cursor:pointer}
button:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body>
</html>`;
}

// Precomputed: nothing loads or runs but the inline style; no framing; no referrer leaves (the
// URL holds the recipient's token). HSTS for a short domain is best set on its zone (no Worker work).
const headersFor = (formAction: "'self'" | "'none'") => ({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
  'content-security-policy': pageCsp([STYLE], formAction),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
});
const headers = headersFor("'none'");
const formHeaders = headersFor("'self'");

/** A recipient-facing page; `bodyHtml` is trusted markup (escape every value put into it). */
export function recipientPage(
  title: string,
  bodyHtml: string,
  status: number,
  opts: { hasForm?: boolean } = {},
): Response {
  return new Response(page(title, bodyHtml), { status, headers: opts.hasForm ? formHeaders : headers });
}

export function linkNotFoundPage(): Response {
  return new Response(
    page(
      'Link not found',
      '<p>This link does not exist. Please check that it was copied completely from your message.</p>',
    ),
    { status: 404, headers },
  );
}

export function linkExpiredPage(sender: string): Response {
  const who = escapeHtml(sender);
  return new Response(
    page(
      'This link has expired',
      `<p>This personal link from <strong>${who}</strong> was valid for a limited time and has now expired.</p>` +
        `<p>If you are still interested, please contact ${who} directly.</p>`,
    ),
    { status: 410, headers },
  );
}

/** The lookup itself failed (the database is unreachable): say so, and that trying again helps. */
export function linkUnavailablePage(): Response {
  return new Response(
    page(
      'This link is briefly unavailable',
      '<p>We could not open this link just now. Please try again in a minute.</p>',
    ),
    { status: 503, headers: { ...headers, 'retry-after': '30' } },
  );
}
