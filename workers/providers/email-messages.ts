// The emails the platform sends (a sign-in link, an invitation), as pure functions: a plain-text
// part and an HTML part with the same words. The only link in either is the sign-in link: no
// images, no remote styles, no tracking pixels or rewritten links, nothing the recipient's mail
// client fetches by itself. Every value that comes from a person (tenant name) is escaped.
import type { Role } from '../db/schema';

export type RenderedEmail = { subject: string; text: string; html: string };

const ROLE_PHRASES: Record<Role, { as: string; can: string }> = {
  admin: { as: 'an admin', can: 'You can manage everything, including users, numbers and budgets.' },
  staff: { as: 'a staff member', can: 'You can work on contacts, templates and campaigns.' },
  viewer: { as: 'a viewer', can: 'You can see contacts, campaigns and their reports.' },
};

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * A value fit for one line of an email (subject, greeting): control characters (a CR/LF would start
 * a new header in a naive mailer) become spaces, runs of spaces collapse, and it stays short.
 */
export function oneLine(value: string, max = 80): string {
  const flat = value.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

/**
 * A tenant's name as the emails show it: one line, and without web addresses, so nobody can name a
 * team "Verify your account at https://…" and have us mail that link to strangers.
 */
export function displayName(value: string): string {
  return oneLine(value.replace(/\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S*/gi, '[link removed]'));
}

/** "15 minutes", "1 hour", "7 days": how long a link stays valid, in the largest whole unit. */
export function validityPhrase(ms: number): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (minutes % (24 * 60) === 0) return unit(minutes / (24 * 60), 'day');
  if (minutes % 60 === 0) return unit(minutes / 60, 'hour');
  return unit(minutes, 'minute');
}

type Layout = {
  appName: string;
  heading: string;
  lead: string[];
  link: string;
  action: string;
  after: string[];
};

function renderHtml(l: Layout): string {
  const p = (s: string) => `<p style="margin:0 0 16px;line-height:1.5">${escapeHtml(s)}</p>`;
  const href = escapeHtml(l.link);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(l.heading)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7f9;color:#1f2933;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:16px">
<div style="max-width:480px;margin:0 auto;padding:24px;background:#ffffff;border-radius:8px">
<h1 style="margin:0 0 16px;font-size:20px">${escapeHtml(l.heading)}</h1>
${l.lead.map(p).join('\n')}
<p style="margin:24px 0"><a href="${href}" style="display:inline-block;padding:12px 20px;background:#245ea8;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">${escapeHtml(l.action)}</a></p>
<p style="margin:0 0 16px;line-height:1.5;font-size:14px;color:#52606d">If the button does not work, copy this address into your browser:<br><span style="word-break:break-all">${href}</span></p>
${l.after.map(p).join('\n')}
<p style="margin:24px 0 0;font-size:13px;color:#7b8794">${escapeHtml(l.appName)}</p>
</div></body></html>`;
}

function renderText(l: Layout): string {
  return [
    l.heading,
    '',
    ...l.lead.flatMap((s) => [s, '']),
    `${l.action}:`,
    l.link,
    '',
    ...l.after.flatMap((s) => [s, '']),
    `-- ${l.appName}`,
    '',
  ].join('\n');
}

function render(subject: string, layout: Layout): RenderedEmail {
  return { subject: oneLine(subject, 150), text: renderText(layout), html: renderHtml(layout) };
}

/** The email `POST /auth/magic-link` sends to a known, active user. */
export function magicLinkEmail(p: { appName: string; link: string; validForMs: number }): RenderedEmail {
  const appName = oneLine(p.appName);
  return render(`Your sign-in link for ${appName}`, {
    appName,
    heading: `Sign in to ${appName}`,
    lead: ['Someone, hopefully you, asked for a link to sign in with this email address.'],
    action: 'Sign in',
    link: p.link,
    after: [
      `The link works once, within ${validityPhrase(p.validForMs)}.`,
      'If you did not ask for it, ignore this email: nobody can sign in without the link.',
    ],
  });
}

/** The email a new user gets when an admin adds them (and again on "Resend invitation"). */
export function invitationEmail(p: {
  appName: string;
  tenantName: string;
  role: Role;
  link: string;
  validForMs: number;
}): RenderedEmail {
  const appName = oneLine(p.appName);
  const tenant = displayName(p.tenantName);
  const role = ROLE_PHRASES[p.role];
  return render(`You have been invited to ${tenant} on ${appName}`, {
    appName,
    heading: `You have been invited to ${tenant}`,
    lead: [`You have been invited to ${tenant} on ${appName} as ${role.as}. ${role.can}`],
    action: 'Accept and sign in',
    link: p.link,
    after: [
      `The link works once, within ${validityPhrase(p.validForMs)}. Later, sign in from the sign-in page with this email address.`,
      'If you did not expect this invitation, ignore this email.',
    ],
  });
}

/** Tells a tenant's admins that one of their webhook endpoints was switched off (issue 14). */
export function webhookDisabledEmail(p: {
  appName: string;
  url: string;
  reason: string;
  link: string;
}): RenderedEmail {
  const appName = oneLine(p.appName);
  return render(`A webhook endpoint was switched off on ${appName}`, {
    appName,
    heading: 'A webhook endpoint was switched off',
    lead: [
      `We stopped sending events to ${oneLine(p.url, 120)}: it has not accepted a delivery for 24 hours. ${oneLine(p.reason, 200)}`,
      'Events that happen while it is off are not queued for it.',
    ],
    action: 'Open the webhooks page',
    link: p.link,
    after: [
      'Fix the endpoint, send a test event, switch it back on and retry the failed deliveries you need.',
    ],
  });
}
