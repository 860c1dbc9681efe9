import { describe, expect, it } from 'vitest';
import { contactVariables, extractVariables, renderTemplate } from '../../workers/domain/template';

describe('extractVariables', () => {
  it('lists unique names in order of first use, tolerant of spaces and fallbacks', () => {
    expect(extractVariables('Hi {{ first_name | there }}, {{link}} {{first_name}} {{ postcode}}')).toEqual([
      'first_name',
      'link',
      'postcode',
    ]);
  });

  it('ignores single braces and empty placeholders', () => {
    expect(extractVariables('{first_name} {{}} {{ }} plain')).toEqual([]);
  });
});

describe('renderTemplate', () => {
  it('fills values', () => {
    expect(renderTemplate('Hi {{first_name}} {{last_name}}', { first_name: 'Ada', last_name: 'L' })).toEqual({
      text: 'Hi Ada L',
      unknownVariables: [],
    });
  });

  it('uses the fallback when the value is missing, null, empty or blank', () => {
    for (const v of [undefined, null, '', '  ']) {
      expect(renderTemplate('Hi {{ first_name | there }}!', { first_name: v }).text).toBe('Hi there!');
    }
  });

  it('renders nothing for a missing value without fallback', () => {
    expect(renderTemplate('Hi {{first_name}}!', { first_name: undefined }).text).toBe('Hi !');
  });

  it('lists variables the caller has no key for (typos), and still uses their fallback', () => {
    const r = renderTemplate('Hi {{frist_name|friend}} {{first_name}} {{frist_name}}', { first_name: 'Ada' });
    expect(r).toEqual({ text: 'Hi friend Ada ', unknownVariables: ['frist_name'] });
  });

  it('matches names case-insensitively when no exact key exists', () => {
    expect(renderTemplate('{{Postcode}}', { postcode: '2000' }).text).toBe('2000');
  });

  it('treats {{link}} as an ordinary variable', () => {
    expect(renderTemplate('Go {{link}}', { link: 'https://s.example/l/abc' }).text).toBe(
      'Go https://s.example/l/abc',
    );
  });

  it('keeps a fallback containing spaces and punctuation', () => {
    expect(renderTemplate('{{ first_name | dear customer, }}', {}).text).toBe('dear customer,');
  });
});

describe('contactVariables', () => {
  it('maps the standard fields and every custom field; standard names win over custom keys', () => {
    const vars = contactVariables({
      firstName: 'Ada',
      lastName: null,
      email: 'ada@example.com',
      phoneE164: '+61400000000',
      customFields: { postcode: '2000', first_name: 'ignored' },
    });
    expect(vars).toEqual({
      postcode: '2000',
      first_name: 'Ada',
      last_name: undefined,
      email: 'ada@example.com',
      phone: '+61400000000',
    });
    expect(renderTemplate('{{first_name}} {{last_name|}} {{postcode}}', vars)).toEqual({
      text: 'Ada  2000',
      unknownVariables: [],
    });
  });
});
