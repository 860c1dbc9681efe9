import { describe, expect, it } from 'vitest';
import { JOB_STATUSES, type JobStatus } from '../../workers/db/schema';
import {
  canTransition,
  failureReason,
  isUncharged,
  jobStatusFor,
  nextJobStatus,
  TWILIO_STATUSES,
} from '../../workers/domain/twilio-status';

const RANK: Record<JobStatus, number> = { queued: 0, sent: 1, delivered: 2, failed: 2 };

describe('jobStatusFor', () => {
  it('maps every Twilio message status', () => {
    const mapped = Object.fromEntries(TWILIO_STATUSES.map((s) => [s, jobStatusFor(s)]));
    expect(mapped).toEqual({
      accepted: 'queued',
      scheduled: 'queued',
      queued: 'queued',
      sending: 'sent',
      sent: 'sent',
      delivered: 'delivered',
      read: 'delivered',
      partially_delivered: 'delivered',
      undelivered: 'failed',
      failed: 'failed',
      canceled: 'failed',
      receiving: null,
      received: null,
    });
  });

  it('is case-insensitive and ignores statuses it does not know', () => {
    expect(jobStatusFor('DELIVERED')).toBe('delivered');
    expect(jobStatusFor('teleported')).toBeNull();
  });
});

describe('forward-only transitions', () => {
  it('never moves a job backwards', () => {
    for (const from of JOB_STATUSES) {
      for (const to of JOB_STATUSES) {
        if (RANK[to] < RANK[from]) expect(canTransition(from, to), `${from}→${to}`).toBe(false);
      }
    }
  });

  it('a late sent never overwrites delivered or failed', () => {
    expect(nextJobStatus('delivered', 'sent')).toBe('delivered');
    expect(nextJobStatus('failed', 'sending')).toBe('failed');
    expect(nextJobStatus('delivered', 'queued')).toBe('delivered');
  });

  it('delivered beats failed (the delivery receipt is the last word); failed never downgrades delivered', () => {
    expect(nextJobStatus('failed', 'delivered')).toBe('delivered');
    expect(nextJobStatus('delivered', 'failed')).toBe('delivered');
    expect(nextJobStatus('delivered', 'undelivered')).toBe('delivered');
  });

  // Every ordered pair of Twilio statuses, applied to a sent job in both orders, must end in the
  // same state: what the callbacks say, not the order they arrive in, decides.
  const pairs = TWILIO_STATUSES.flatMap((a) => TWILIO_STATUSES.map((b) => [a, b] as const));
  it.each(pairs)('%s and %s end in the same state in either order', (a, b) => {
    const ab = nextJobStatus(nextJobStatus('sent', a), b);
    const ba = nextJobStatus(nextJobStatus('sent', b), a);
    expect(ab).toBe(ba);
    const targets = [jobStatusFor(a), jobStatusFor(b)];
    const expected = targets.includes('delivered')
      ? 'delivered'
      : targets.includes('failed')
        ? 'failed'
        : 'sent';
    expect(ab).toBe(expected);
  });
});

describe('budget settlement', () => {
  it('releases only what Twilio does not bill: failed and canceled, not undelivered', () => {
    expect(isUncharged('failed')).toBe(true);
    expect(isUncharged('canceled')).toBe(true);
    expect(isUncharged('undelivered')).toBe(false);
    expect(isUncharged('delivered')).toBe(false);
  });
});

describe('failureReason', () => {
  it('puts the code and its meaning together', () => {
    expect(failureReason('30003', 'undelivered')).toBe('30003: Unreachable destination handset');
    expect(failureReason(30007, 'undelivered')).toBe('30007: Message filtered by the carrier');
  });

  it('keeps an unknown code readable', () => {
    expect(failureReason('39999', 'failed')).toBe('39999: Twilio error 39999');
  });

  it('explains a failure without a code', () => {
    expect(failureReason(null, 'undelivered')).toBe('Undelivered (no error code from the carrier)');
    expect(failureReason('', 'failed')).toBe('Failed (no error code from Twilio)');
    expect(failureReason(undefined, 'canceled')).toBe('Canceled before sending');
  });
});
