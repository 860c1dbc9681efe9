import { describe, expect, it } from 'vitest';
import {
  finishBody,
  needsOptOutUrl,
  optOutLaunchProblems,
  optOutWarnings,
  usesOptOutLink,
} from '../../workers/domain/opt-out';
import { analyzeSms } from '../../workers/domain/sms-encoding';
import { renderTemplate } from '../../workers/domain/template';

const URL_ = 'https://sms.example.test/u/AAZmX3k9QpL2bT7wR4yN8cVd6h';
const phone = { canReceiveReplies: true };
const alpha = { canReceiveReplies: false };
const on = { appendOptOutFooter: true };
const off = { appendOptOutFooter: false };

function send(template: string, tenant: typeof on, sender: typeof phone) {
  const text = renderTemplate(template, { first_name: 'Ada', optout: URL_ }).text;
  return finishBody(text, tenant, sender, { templateHasLink: usesOptOutLink(template), url: URL_ });
}

describe('usesOptOutLink / needsOptOutUrl', () => {
  it('finds {{optout}} with spaces, any case and a fallback', () => {
    for (const t of ['Bye {{optout}}', 'Bye {{ optout }}', 'Bye {{OPTOUT}}', 'Bye {{optout|here}}']) {
      expect(usesOptOutLink(t), t).toBe(true);
    }
    expect(usesOptOutLink('Bye {{opt_out}} {{link}} optout')).toBe(false);
  });

  it('a phone sender needs the URL only when the template places it; an alphanumeric one always', () => {
    expect(needsOptOutUrl('Sale', phone)).toBe(false);
    expect(needsOptOutUrl('Sale {{optout}}', phone)).toBe(true);
    expect(needsOptOutUrl('Sale', alpha)).toBe(true);
  });
});

describe('finishBody (happy)', () => {
  it('from a phone: "Reply STOP to opt out" as before', () => {
    expect(send('Hi {{first_name}}, sale!', on, phone)).toBe('Hi Ada, sale!\nReply STOP to opt out');
    expect(send('Hi, sale! Reply STOP to end', on, phone)).toBe('Hi, sale! Reply STOP to end');
    expect(send('Hi, sale!', off, phone)).toBe('Hi, sale!');
  });

  it('from an alphanumeric ID: the personal link, never "Reply STOP"', () => {
    expect(send('Hi {{first_name}}, sale!  ', on, alpha)).toBe(`Hi Ada, sale!\nOpt out: ${URL_}`);
    // A "reply STOP" instruction in the text does not work from this sender, so the link is added.
    expect(send('Sale! Reply STOP to opt out', on, alpha)).toBe(
      `Sale! Reply STOP to opt out\nOpt out: ${URL_}`,
    );
  });

  it('{{optout}} in the template is the opt-out from every sender: nothing is added', () => {
    expect(send('Sale! Unsubscribe: {{optout}}', on, phone)).toBe(`Sale! Unsubscribe: ${URL_}`);
    expect(send('Sale! Unsubscribe: {{optout}}', on, alpha)).toBe(`Sale! Unsubscribe: ${URL_}`);
    expect(send('Sale! {{optout}}', off, alpha)).toBe(`Sale! ${URL_}`);
  });

  it("the link's length counts in the parts", () => {
    const body = 'x'.repeat(120);
    expect(analyzeSms(send(body, on, phone)).segments).toBe(1);
    expect(analyzeSms(send(body, on, alpha)).segments).toBe(2);
  });
});

describe('finishBody (error / security)', () => {
  it('a sender that cannot receive replies always gets the link, even with the footer turned off', () => {
    expect(send('Sale!', off, alpha)).toBe(`Sale!\nOpt out: ${URL_}`);
  });

  it('refuses to finish an alphanumeric message without the URL (never sent without an opt-out)', () => {
    expect(() => finishBody('Sale!', on, alpha, { templateHasLink: false, url: null })).toThrow(
      /opt-out URL/,
    );
  });

  it('an empty body stays empty (it is not a message)', () => {
    expect(send('   ', on, alpha)).toBe('   ');
  });
});

describe('optOutLaunchProblems', () => {
  const senders = [
    { id: 'n1', label: '+61412345678', canReceiveReplies: true },
    { id: 'n2', label: 'DemoCoffee', canReceiveReplies: false },
  ];
  const templates = [
    { id: 't1', name: 'With link', body: 'Sale {{optout}}' },
    { id: 't2', name: 'Without', body: 'Sale! Reply STOP to opt out' },
  ];

  it('names each template without a link when the footer is off and a sender cannot receive replies', () => {
    const problems = optOutLaunchProblems(templates, senders, off);
    expect(problems).toEqual([{ path: 'template_ids.1', message: expect.stringContaining('"Without"') }]);
    expect(problems[0]?.message).toContain('"DemoCoffee"');
    expect(problems[0]?.message).toContain('{{optout}}');
  });

  it('nothing to say with the footer on, or with senders that can all receive replies', () => {
    expect(optOutLaunchProblems(templates, senders, on)).toEqual([]);
    expect(optOutLaunchProblems(templates, [senders[0] as (typeof senders)[0]], off)).toEqual([]);
  });
});

describe('optOutWarnings', () => {
  it('explains the added link, and that "reply STOP" cannot work from the sender', () => {
    const w = optOutWarnings('Sale! Reply STOP to opt out', on, alpha);
    expect(w[0]).toMatch(/cannot reply.*added at the end/);
    expect(w[1]).toMatch(/reply STOP.*cannot work/);
    expect(optOutWarnings('Sale!', off, alpha)[0]).toMatch(/cannot launch/);
    expect(optOutWarnings('Sale!', on, phone)).toEqual([]);
    expect(optOutWarnings('Sale! {{optout}}', on, alpha)).toEqual([]);
  });
});
