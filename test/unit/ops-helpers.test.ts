import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { canonicalJson, inferSource, sourceAttempts, storableBody } from '../../workers/domain/dead-letters';
import {
  DEFAULT_SETTINGS,
  daysBefore,
  describeSettings,
  opsSettings,
  uuidv7LowerBound,
} from '../../workers/domain/retention-settings';
import { errorText } from '../../workers/lib/error-text';
import { countsOf, redactForAdmins } from '../../workers/ops/cron-runs';
import { storeRetryDelaySeconds } from '../../workers/queues/dead-letters';

const T = '01931234-5678-7abc-8def-0123456789ab';

describe('dead letters: where a message came from', () => {
  it('reads the source queue from the body shape of each producer', () => {
    expect(inferSource({ jobId: 'j1' })).toEqual({
      queue: 'sms-send',
      tenantId: null,
      subject: { kind: 'send_job', id: 'j1' },
    });
    expect(inferSource({ jobId: 'j1', tenantId: T })).toMatchObject({ queue: 'sms-send', tenantId: T });
    expect(inferSource({ campaignId: 'c1', tenantId: T, cursor: null })).toEqual({
      queue: 'sms-fanout',
      tenantId: T,
      subject: { kind: 'campaign', id: 'c1' },
    });
    expect(inferSource({ batchId: 'b1', seq: 3 })).toEqual({
      queue: 'sms-import',
      tenantId: null,
      subject: { kind: 'import_batch', id: 'b1' },
    });
  });

  it('an explicit queue field wins; anything unreadable is unknown', () => {
    expect(inferSource({ queue: 'sms-import', batchId: 'b1', seq: 0, jobId: 'x' }).queue).toBe('sms-import');
    for (const body of [
      null,
      'text',
      42,
      [1],
      {},
      { campaignId: 'c' },
      { batchId: 'b' },
      { queue: 'elsewhere' },
    ]) {
      expect(inferSource(body), JSON.stringify(body)).toMatchObject({ queue: 'unknown', subject: null });
    }
  });

  it('the same body in any key order has one canonical text (the dedupe key’s input)', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  it('attempts are the source consumer’s delivery limit (max_retries in wrangler.toml + 1)', () => {
    expect(sourceAttempts('sms-send', 1)).toBe(9);
    expect(sourceAttempts('sms-fanout', 1)).toBe(11);
    expect(sourceAttempts('sms-import', 1)).toBe(6);
    expect(sourceAttempts('unknown', 3)).toBe(3);
  });

  it('keeps bodies JSON cannot express as text instead of losing them', () => {
    expect(storableBody({ jobId: 'a' })).toEqual({ jobId: 'a' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(storableBody(cyclic)).toEqual({ unreadable: '[object Object]' });
    expect(storableBody(undefined)).toEqual({ unreadable: 'undefined' });
  });

  it('the consumer backs off while the database is down: 30 s doubling, capped at an hour', () => {
    expect([1, 2, 3, 8, 50].map(storeRetryDelaySeconds)).toEqual([30, 60, 120, 3600, 3600]);
  });
});

describe('retention settings', () => {
  it('defaults: webhook payloads 30, magic tokens 1, sessions 0, short links 180, dead letters 30, campaign detail 90', () => {
    expect(opsSettings({})).toEqual({ settings: DEFAULT_SETTINGS, problems: [] });
    expect(DEFAULT_SETTINGS).toEqual({
      webhookPayloadDays: 30,
      magicTokenDays: 1,
      sessionDays: 0,
      shortLinkDays: 180,
      deadLetterDays: 30,
      campaignDetailDays: 90,
      deadLettersMaxPending: 0,
    });
  });

  it('reads whole days from the variables', () => {
    const { settings, problems } = opsSettings({
      RETENTION_WEBHOOK_PAYLOAD_DAYS: '7',
      RETENTION_SHORT_LINK_DAYS: ' 365 ',
      DEAD_LETTERS_MAX_PENDING: '10',
      RETENTION_SESSION_DAYS: '',
      RETENTION_CAMPAIGN_DETAIL_DAYS: '365',
    });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      webhookPayloadDays: 7,
      shortLinkDays: 365,
      deadLettersMaxPending: 10,
      sessionDays: 0,
      campaignDetailDays: 365,
    });
  });

  it('error: a malformed value keeps its default and is reported', () => {
    const { settings, problems } = opsSettings({
      RETENTION_WEBHOOK_PAYLOAD_DAYS: '0',
      RETENTION_DEAD_LETTER_DAYS: 'thirty',
      RETENTION_MAGIC_TOKEN_DAYS: '-1',
      RETENTION_SHORT_LINK_DAYS: '1.5',
      RETENTION_CAMPAIGN_DETAIL_DAYS: '0',
    });
    expect(settings).toEqual(DEFAULT_SETTINGS);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toContain(
      'RETENTION_WEBHOOK_PAYLOAD_DAYS is "0", not a whole number from 1 to 3650; using 30',
    );
  });

  it('describes the effective values in one line', () => {
    expect(describeSettings(DEFAULT_SETTINGS)).toContain('webhook payloads 30 d');
    expect(describeSettings(DEFAULT_SETTINGS)).toContain(
      "completed campaigns' detail rows archived after 90 d",
    );
  });

  it('daysBefore and the UUIDv7 lower bound agree with ids made at those times', () => {
    const now = new Date('2026-11-25T01:00:00.000Z');
    expect(daysBefore(now, 30)).toBe('2026-10-26T01:00:00.000Z');
    const bound = uuidv7LowerBound(new Date(daysBefore(now, 30)));
    expect(uuidv7(Date.parse('2026-10-26T00:59:59.999Z')) < bound).toBe(true);
    expect(uuidv7(Date.parse('2026-10-26T01:00:00.000Z')) >= bound).toBe(true);
    expect(uuidv7(now.getTime()) > bound).toBe(true);
  });
});

describe('cron runs as admins of any tenant see them', () => {
  it('security: masks ids, emails and phone numbers in errors, keeps the rest readable', () => {
    const text = redactForAdmins(
      `campaign ${T} of owner@acme.com.au failed for +61412345678 at 2026-11-25T01:00:00.000Z: D1_ERROR`,
    );
    expect(text).toBe('campaign <id> of <email> failed for <number> at 2026-11-25T01:00:00.000Z: D1_ERROR');
    expect(redactForAdmins(null)).toBeNull();
  });

  it('keeps only the numeric fields of what a job returns', () => {
    expect(countsOf({ looked: 3, resolved: 1, note: 'x' })).toEqual({ looked: 3, resolved: 1 });
    expect(countsOf(undefined)).toBeNull();
    expect(countsOf({ note: 'x' })).toBeNull();
  });
});

describe('error text', () => {
  it('security: reports the innermost cause on one line, never the wrapped query and its parameters', () => {
    const d1 = new Error('D1_ERROR: no such table:\n  dead_letters');
    const wrapped = new Error('Failed query: SELECT * FROM contacts WHERE phone = ? params: +61412345678', {
      cause: d1,
    });
    expect(errorText(wrapped)).toBe('D1_ERROR: no such table: dead_letters');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(new Error('x'.repeat(300)), 10)).toBe('xxxxxxxxxx');
  });
});
