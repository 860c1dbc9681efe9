import { describe, expect, it } from 'vitest';
import {
  invitationEmail,
  magicLinkEmail,
  oneLine,
  validityPhrase,
} from '../../workers/providers/email-messages';

const LINK = 'https://sms.example.test/auth/verify?token=abc_DEF-123&x=1';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** Every URL-ish thing a mail client could open or fetch by itself. */
function urlsIn(s: string): string[] {
  return [...s.matchAll(/(?:https?:|\/\/|data:|cid:)[^\s"'<>]*/gi)].map((m) => m[0]);
}

function expectOnlyTheLink(email: { text: string; html: string }) {
  expect(new Set(urlsIn(email.text))).toEqual(new Set([LINK]));
  // In HTML the & of the query string is escaped, once as the href and once as copyable text.
  const escaped = LINK.replace(/&/g, '&amp;');
  expect(new Set(urlsIn(email.html))).toEqual(new Set([escaped]));
  expect(email.html).toContain(`href="${escaped}"`);
  // No remote resources, no scripts, no tracking pixel: no tag that loads anything.
  const tags = email.html.match(/<[a-z][^>]*>/gi) ?? [];
  expect(tags.length).toBeGreaterThan(5);
  for (const tag of tags) {
    expect(tag).not.toMatch(/^<(img|script|link|iframe|object|embed|video|audio|source|style)\b/i);
    expect(tag).not.toMatch(/\s(src|srcset|background|poster)=|url\(|@import/i);
  }
}

describe('magicLinkEmail', () => {
  const email = magicLinkEmail({ appName: 'SMS Campaigns', link: LINK, validForMs: 15 * MINUTE });

  it('happy: a subject, a text and an HTML part that carry the link and how long it works', () => {
    expect(email.subject).toBe('Your sign-in link for SMS Campaigns');
    expect(email.text).toContain(`\n${LINK}\n`);
    expect(email.text).toContain('works once, within 15 minutes');
    expect(email.html).toContain('works once, within 15 minutes');
    expect(email.html).toMatch(/^<!doctype html>/);
  });

  it('security: the link is the only thing to open, and nothing loads from elsewhere', () => {
    expectOnlyTheLink(email);
  });

  it('happy: the sender name configured for the deployment is the name in the email', () => {
    const branded = magicLinkEmail({ appName: 'Acme Texts', link: LINK, validForMs: 15 * MINUTE });
    expect(branded.subject).toBe('Your sign-in link for Acme Texts');
    expect(branded.text).toContain('Sign in to Acme Texts');
  });
});

describe('invitationEmail', () => {
  it('happy: says which team and which role, with a link valid for days', () => {
    const email = invitationEmail({
      appName: 'SMS Campaigns',
      tenantName: 'Harbour Cafe',
      role: 'staff',
      link: LINK,
      validForMs: 7 * DAY,
    });
    expect(email.subject).toBe('You have been invited to Harbour Cafe on SMS Campaigns');
    expect(email.text).toContain('You have been invited to Harbour Cafe on SMS Campaigns as a staff member.');
    expect(email.text).toContain('works once, within 7 days');
    expect(email.html).toContain('as a staff member');
    expectOnlyTheLink(email);
  });

  it('happy: each role reads as a person would say it', () => {
    const as = (role: 'admin' | 'staff' | 'viewer') =>
      invitationEmail({ appName: 'A', tenantName: 'T', role, link: LINK, validForMs: DAY }).text;
    expect(as('admin')).toContain('as an admin.');
    expect(as('viewer')).toContain('as a viewer.');
  });

  it('security: a tenant name with markup is escaped in HTML and cannot add a header line', () => {
    const email = invitationEmail({
      appName: 'SMS Campaigns',
      tenantName: '<img src=https://evil.example/p.gif>Evil & Co\r\nBcc: victim@example.com',
      role: 'viewer',
      link: LINK,
      validForMs: 7 * DAY,
    });
    expect(email.subject).not.toMatch(/[\r\n]/);
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&lt;img src=[link removed] &amp; Co Bcc: victim@example.com');
    // The name is text: the only thing to open is still the sign-in link, in both parts.
    expect(email.html.match(/href=/g)).toHaveLength(1);
    expectOnlyTheLink(email);
  });

  it('security: a web address in a tenant name is not mailed to the invitee', () => {
    const email = invitationEmail({
      appName: 'SMS Campaigns',
      tenantName: 'Verify at https://evil.example/login or www.evil.example now',
      role: 'admin',
      link: LINK,
      validForMs: 7 * DAY,
    });
    expect(email.subject).toBe(
      'You have been invited to Verify at [link removed] or [link removed] now on SMS Campaigns',
    );
    expect(email.text).not.toContain('evil.example');
    expect(email.html).not.toContain('evil.example');
    expectOnlyTheLink(email);
  });
});

describe('oneLine', () => {
  it('error: control characters and line breaks become single spaces', () => {
    expect(oneLine('a\r\nb\t\tc\u2028d\u0000e')).toBe('a b c d e');
  });

  it('happy: long values are cut with an ellipsis', () => {
    const cut = oneLine('x'.repeat(200), 20);
    expect(cut).toHaveLength(20);
    expect(cut.endsWith('…')).toBe(true);
  });
});

describe('validityPhrase', () => {
  it('happy: the largest whole unit', () => {
    expect(validityPhrase(15 * MINUTE)).toBe('15 minutes');
    expect(validityPhrase(MINUTE)).toBe('1 minute');
    expect(validityPhrase(60 * MINUTE)).toBe('1 hour');
    expect(validityPhrase(90 * MINUTE)).toBe('90 minutes');
    expect(validityPhrase(48 * 60 * MINUTE)).toBe('2 days');
    expect(validityPhrase(7 * DAY)).toBe('7 days');
  });
});
