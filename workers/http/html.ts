const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => escapes[ch] ?? ch);
}

/** The one inline style of htmlPage(); the app's Content-Security-Policy allows it by its hash. */
export const PAGE_STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#1f2933;line-height:1.5}
h1{font-size:1.4rem}a{color:#0b5cad}`;

/** A small self-contained page for answers a person sees in the browser (bad login link, expired short link). */
export function htmlPage(title: string, message: string, action?: { href: string; label: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${PAGE_STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${
    action ? `<p><a href="${escapeHtml(action.href)}">${escapeHtml(action.label)}</a></p>` : ''
  }</main></body></html>`;
}
