// Content-Security-Policy pieces shared by the app, the admin UI and the short-link pages.
// Hashes are computed once, when the module loads (node:crypto hashes synchronously).
import { createHash } from 'node:crypto';

/** The CSP source that allows exactly this inline `<style>` element's text. */
export function styleHashSource(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

/**
 * A server-rendered page: nothing loads, nothing runs; its one inline style is allowed by hash.
 * `formAction` is where its forms may post ('none' when it has none).
 */
export function pageCsp(inlineStyles: string[], formAction: "'self'" | "'none'" = "'self'"): string {
  return [
    "default-src 'none'",
    `style-src ${inlineStyles.map(styleHashSource).join(' ')}`,
    "img-src 'self' data:",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The admin UI (web/dist, built by Vite): its own scripts and styles only, no inline script, no
 * eval; `data:` images for the inline favicon, and https images: an MMS template's image is shown
 * from its own URL in the template and launch previews (issue 14); API calls to its own origin.
 */
export const UI_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
