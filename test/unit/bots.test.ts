import { describe, expect, it } from 'vitest';
import { type ClickSignals, classifyClick, clickSignals } from '../../workers/domain/bots';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36';

const HUMANS: Record<string, string> = {
  'iPhone Safari': IPHONE_SAFARI,
  'Android Chrome': ANDROID_CHROME,
  'Samsung Internet':
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36',
  'Instagram in-app (iOS)':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 307.0.0.34.111 (iPhone14,5; iOS 17_1; en_AU; en; scale=3.00; 1170x2532; 533874066)',
  'Instagram in-app (Android)':
    'Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.43 Mobile Safari/537.36 Instagram 311.0.0.32.118 Android (33/13; 450dpi; 1080x2177; samsung; SM-A536B; a53x; s5e8825; en_AU; 547192842)',
  'Facebook in-app (iOS)':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone14,2;FBMD/iPhone;FBSN/iOS;FBSV/17.0;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
  'Facebook in-app (Android)':
    'Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/445.0.0.34.118;]',
  'Messenger in-app':
    'Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/MessengerForiOS;FBAV/428.0.0.37.109;FBBV/517394006;FBDV/iPhone13,2;FBMD/iPhone;FBSN/iOS;FBSV/16.6;FBSS/3;FBCR/;FBID/phone;FBLC/en_GB;FBOP/5]',
  'Desktop Firefox': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
};

const PREVIEW_AGENTS: Record<string, string> = {
  'iMessage preview':
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
  'Facebook crawler': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  Twitterbot: 'Twitterbot/1.0',
  WhatsApp: 'WhatsApp/2.23.20.0 A',
  'WhatsApp (iOS)': 'WhatsApp/2.24.8.78 i',
  'Slackbot-LinkExpanding': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  TelegramBot: 'TelegramBot (like TwitterBot)',
  Discordbot: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  SkypeUriPreview:
    'Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com',
  'Google-PageRenderer':
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 (compatible; Google-PageRenderer Google (+https://developers.google.com/+/web/snippet/))',
  MicrosoftPreview:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/100.0.4896.127 Safari/537.36 Edg/100.0.1185.50 MicrosoftPreview/2.0 +https://aka.ms/MicrosoftPreview',
  LinkedInBot: 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  Pinterestbot: 'Mozilla/5.0 (compatible; Pinterestbot/1.0; +http://www.pinterest.com/bot.html)',
};

const get = (userAgent: string, extra: Partial<ClickSignals> = {}): ClickSignals => ({
  method: 'GET',
  userAgent,
  ...extra,
});

describe('human or bot', () => {
  for (const [name, ua] of Object.entries(HUMANS)) {
    it(`human: ${name} opening the link counts`, () => {
      expect(classifyClick(get(ua))).toEqual({ human: true });
    });
  }

  for (const [name, ua] of Object.entries(PREVIEW_AGENTS)) {
    it(`bot: the ${name} fetcher is a link preview, not a click`, () => {
      expect(classifyClick(get(ua))).toEqual({ human: false, reason: 'link_preview' });
    });
  }

  it('bot: crawlers and scripts known to isbot, and requests without a user agent', () => {
    expect(
      classifyClick(get('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')),
    ).toEqual({
      human: false,
      reason: 'bot_user_agent',
    });
    expect(classifyClick(get('curl/8.5.0'))).toEqual({ human: false, reason: 'bot_user_agent' });
    expect(classifyClick(get(''))).toEqual({ human: false, reason: 'no_user_agent' });
    expect(classifyClick({ method: 'GET' })).toEqual({ human: false, reason: 'no_user_agent' });
  });

  it('bot: HEAD is never a click, whatever the agent', () => {
    expect(classifyClick({ method: 'HEAD', userAgent: IPHONE_SAFARI })).toEqual({
      human: false,
      reason: 'head',
    });
  });

  it('bot: browser prefetch and prerender are not clicks', () => {
    for (const extra of [
      { secPurpose: 'prefetch' },
      { secPurpose: 'prefetch;prerender' },
      { secPurpose: 'prefetch;anonymous-client-ip' },
      { purpose: 'prefetch' },
      { xPurpose: 'preview' },
      { xMoz: 'prefetch' },
    ]) {
      expect(classifyClick(get(ANDROID_CHROME, extra))).toEqual({ human: false, reason: 'prefetch' });
    }
  });

  it("bot: Cloudflare's verdict overrides a browser-looking agent when present", () => {
    expect(
      classifyClick(get(IPHONE_SAFARI, { cf: { botManagement: { verifiedBot: true, score: 99 } } })),
    ).toEqual({
      human: false,
      reason: 'cf_verified_bot',
    });
    expect(classifyClick(get(IPHONE_SAFARI, { cf: { verifiedBotCategory: 'Page Preview' } }))).toEqual({
      human: false,
      reason: 'cf_verified_bot',
    });
    expect(classifyClick(get(IPHONE_SAFARI, { cf: { botManagement: { score: 1 } } }))).toEqual({
      human: false,
      reason: 'cf_bot_score',
    });
  });

  it('human: a high or missing bot score, or an empty verified-bot category, leaves a person a person', () => {
    expect(
      classifyClick(get(IPHONE_SAFARI, { cf: { botManagement: { score: 87, verifiedBot: false } } })),
    ).toEqual({
      human: true,
    });
    expect(classifyClick(get(IPHONE_SAFARI, { cf: { botManagement: { score: 0 } } }))).toEqual({
      human: true,
    });
    expect(classifyClick(get(IPHONE_SAFARI, { cf: { verifiedBotCategory: '' } }))).toEqual({ human: true });
    expect(classifyClick(get(IPHONE_SAFARI, { cf: {} }))).toEqual({ human: true });
  });

  it('reads the signals from a real request', () => {
    const req = new Request('https://sms.example.test/l/x', {
      method: 'GET',
      headers: { 'user-agent': ANDROID_CHROME, 'sec-purpose': 'prefetch' },
    });
    expect(classifyClick(clickSignals(req))).toEqual({ human: false, reason: 'prefetch' });
  });
});
