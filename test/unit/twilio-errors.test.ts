import { describe, expect, it } from 'vitest';
import { backoffSeconds, classifyTwilioFailure } from '../../workers/domain/twilio-errors';

const http = (httpStatus: number, code: number | null) => ({
  kind: 'http' as const,
  httpStatus,
  code,
  message: 'x',
});

describe('classifyTwilioFailure', () => {
  it.each([
    [21211, 'invalid_number'],
    [21612, 'unreachable_number'],
    [21614, 'not_mobile'],
  ])('%i fails the job permanently (%s)', (code, reason) => {
    expect(classifyTwilioFailure(http(400, code))).toEqual({
      action: 'fail',
      reason,
      code: String(code),
      optOut: false,
    });
  });

  it('21610 fails permanently and asks for do-not-contact', () => {
    expect(classifyTwilioFailure(http(400, 21610))).toEqual({
      action: 'fail',
      reason: 'opted_out',
      code: '21610',
      optOut: true,
    });
  });

  it('429 and 20429 are retried: Twilio certainly did not take the message', () => {
    expect(classifyTwilioFailure(http(429, 20429)).action).toBe('retry');
    expect(classifyTwilioFailure(http(429, null)).action).toBe('retry');
    expect(classifyTwilioFailure(http(400, 20429)).action).toBe('retry');
  });

  it('5xx, timeouts and dropped connections have an unknown outcome (never resent blindly)', () => {
    expect(classifyTwilioFailure(http(500, null))).toMatchObject({ action: 'unknown', code: 'http_500' });
    expect(classifyTwilioFailure(http(503, 20503)).action).toBe('unknown');
    expect(classifyTwilioFailure({ kind: 'timeout' })).toMatchObject({
      action: 'unknown',
      reason: 'provider_timeout',
    });
    expect(classifyTwilioFailure({ kind: 'network', message: 'reset' })).toMatchObject({ action: 'unknown' });
  });

  it('other 4xx (auth, bad request) fail: the same request will not succeed later', () => {
    expect(classifyTwilioFailure(http(401, 20003))).toMatchObject({
      action: 'fail',
      reason: 'provider_rejected',
    });
    expect(classifyTwilioFailure(http(400, 21602))).toMatchObject({ action: 'fail', code: '21602' });
  });
});

describe('backoffSeconds', () => {
  it('doubles from 30 s and caps at an hour', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffSeconds(n))).toEqual([
      30, 60, 120, 240, 480, 960, 1920, 3600,
    ]);
    expect(backoffSeconds(20)).toBe(3600);
  });

  it('adds at most 20% jitter', () => {
    expect(backoffSeconds(2, 1)).toBe(72);
    expect(backoffSeconds(2, 5)).toBe(72);
    expect(backoffSeconds(2, -1)).toBe(60);
  });
});
