// Is a short-link request a person opening the link, or software looking at it? Messaging apps
// fetch every link they display to draw a preview, so without this a campaign would report a
// "click" for most messages the moment they arrive.
import { isbot } from 'isbot';

export type BotReason =
  | 'head'
  | 'prefetch'
  | 'no_user_agent'
  | 'link_preview'
  | 'bot_user_agent'
  | 'cf_verified_bot'
  | 'cf_bot_score';

export type ClickVerdict = { human: true } | { human: false; reason: BotReason };

/** The parts of a request that decide; all optional because every one of them may be absent. */
export type ClickSignals = {
  method: string;
  userAgent?: string | null;
  secPurpose?: string | null;
  purpose?: string | null;
  xPurpose?: string | null;
  xMoz?: string | null;
  cf?: CfBotSignals | null;
};

export type CfBotSignals = {
  botManagement?: { score?: number | null; verifiedBot?: boolean | null } | null;
  verifiedBotCategory?: string | null;
};

/** Below this Bot Management score Cloudflare calls a request "likely automated" (1 = certain). */
export const CF_BOT_SCORE_THRESHOLD = 30;

// Link-preview fetchers, several of which isbot does not know or does not name. iMessage's
// preview announces itself as `facebookexternalhit/1.1 Facebot Twitterbot/1.0`. In-app browsers
// (Instagram, Facebook's FBAN/FB_IAB, Snapchat, LINE) are people and must not match.
const PREVIEW_AGENTS = [
  'facebookexternalhit',
  'facebookcatalog',
  'Facebot',
  'Twitterbot',
  'WhatsApp',
  'Slackbot',
  'Slack-ImgProxy',
  'TelegramBot',
  'Discordbot',
  'SkypeUriPreview',
  'Google-PageRenderer',
  'GoogleImageProxy',
  'MicrosoftPreview',
  'BingPreview',
  'LinkedInBot',
  'Pinterestbot',
  'redditbot',
  'Embedly',
  'Iframely',
  'Applebot',
  'vkShare',
  'Mastodon',
  'Bluesky',
  'YahooMailProxy',
  'Snap URL Preview',
];
const PREVIEW_RE = new RegExp(
  PREVIEW_AGENTS.map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
  'i',
);

export function isLinkPreviewAgent(userAgent: string): boolean {
  return PREVIEW_RE.test(userAgent);
}

const isPrefetchValue = (v: string | null | undefined) => !!v && /prefetch|preview|prerender/i.test(v);

export function classifyClick(s: ClickSignals): ClickVerdict {
  if (s.method.toUpperCase() === 'HEAD') return { human: false, reason: 'head' };
  if (isPrefetchValue(s.secPurpose) || isPrefetchValue(s.purpose) || isPrefetchValue(s.xPurpose)) {
    return { human: false, reason: 'prefetch' };
  }
  if (isPrefetchValue(s.xMoz)) return { human: false, reason: 'prefetch' };
  const bm = s.cf?.botManagement;
  if (bm?.verifiedBot || s.cf?.verifiedBotCategory) return { human: false, reason: 'cf_verified_bot' };
  const ua = s.userAgent?.trim() ?? '';
  if (!ua) return { human: false, reason: 'no_user_agent' };
  if (isLinkPreviewAgent(ua)) return { human: false, reason: 'link_preview' };
  if (isbot(ua)) return { human: false, reason: 'bot_user_agent' };
  // The score is a probability, weaker evidence than a user agent that names itself, so it
  // comes last; a missing or zero score (not computed) says nothing.
  if (typeof bm?.score === 'number' && bm.score > 0 && bm.score < CF_BOT_SCORE_THRESHOLD) {
    return { human: false, reason: 'cf_bot_score' };
  }
  return { human: true };
}

/** Reads the signals off a Fetch API request (Workers adds `cf`). */
export function clickSignals(req: Request): ClickSignals {
  const h = req.headers;
  const cf = (req as Request & { cf?: CfBotSignals }).cf;
  return {
    method: req.method,
    userAgent: h.get('user-agent'),
    secPurpose: h.get('sec-purpose'),
    purpose: h.get('purpose'),
    xPurpose: h.get('x-purpose'),
    xMoz: h.get('x-moz'),
    cf: cf ?? null,
  };
}
