// The link-only Worker (workers/links/wrangler.toml): the same `/l/:token` redirect and click
// recording, and the same `/u/:token` opt-out pages (issue 10), as the main Worker, deployed alone
// on a short domain (SHORT_LINK_BASE_URL: both kinds of links point there). No static
// assets sit in front of it, so a tap costs one Worker invocation, and a short domain costs fewer
// characters in every SMS. It shares the main Worker's D1 database and link secrets.
import { createShortLinkApp } from '../redirect/app';

const app = createShortLinkApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
