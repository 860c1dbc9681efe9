import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { createLinkToken } from '../../workers/domain/link-token';
import {
  createOptOutToken,
  OPT_OUT_TOKEN_DAYS,
  OPT_OUT_TOKEN_LENGTH,
  PREVIEW_OPT_OUT_TOKEN,
  verifyOptOutToken,
} from '../../workers/domain/optout-token';

const SECRET = 'unit-secret';
const SECRETS = { current: SECRET };
const CREATED = new Date('2026-03-01T10:00:00.000Z');
const DAY = 86_400_000;
const jobAt = (d: Date) => uuidv7(d.getTime());

describe('opt-out tokens (happy)', () => {
  it('name the job and its shard, and come back from the token unchanged', async () => {
    for (let i = 0; i < 200; i++) {
      const jobId = jobAt(new Date(CREATED.getTime() + i * 977));
      const shard = i % 3;
      const token = await createOptOutToken(SECRET, shard, jobId);
      expect(token).toMatch(/^[A-Za-z0-9_-]{26}$/);
      const v = await verifyOptOutToken(token, SECRETS, CREATED);
      expect(v).toEqual({ ok: true, shard, jobId, createdAt: new Date(CREATED.getTime() + i * 977) });
    }
  });

  it('start with the shard hint, like short-link tokens', async () => {
    const jobId = jobAt(CREATED);
    expect((await createOptOutToken(SECRET, 0, jobId))[0]).toBe('A');
    expect((await createOptOutToken(SECRET, 1, jobId))[0]).toBe('B');
  });

  it('are deterministic: a re-rendered message carries the same link', async () => {
    const jobId = jobAt(CREATED);
    expect(await createOptOutToken(SECRET, 1, jobId)).toBe(await createOptOutToken(SECRET, 1, jobId));
  });

  it('signed with the previous LINK_SECRET keep working during a rotation', async () => {
    const token = await createOptOutToken('old-secret', 0, jobAt(CREATED));
    const v = await verifyOptOutToken(token, { current: 'new-secret', previous: 'old-secret' }, CREATED);
    expect(v.ok).toBe(true);
  });

  it(`work for ${OPT_OUT_TOKEN_DAYS} days after the job was created, not a millisecond more`, async () => {
    const token = await createOptOutToken(SECRET, 0, jobAt(CREATED));
    const last = new Date(CREATED.getTime() + OPT_OUT_TOKEN_DAYS * DAY);
    expect((await verifyOptOutToken(token, SECRETS, last)).ok).toBe(true);
    expect(OPT_OUT_TOKEN_DAYS).toBeGreaterThanOrEqual(30 + 60);
  });

  it('the preview token is exactly as long as a real one', () => {
    expect(PREVIEW_OPT_OUT_TOKEN).toHaveLength(OPT_OUT_TOKEN_LENGTH);
  });
});

describe('opt-out tokens (error)', () => {
  it('expired: the age comes from the token itself', async () => {
    const token = await createOptOutToken(SECRET, 0, jobAt(CREATED));
    const after = new Date(CREATED.getTime() + OPT_OUT_TOKEN_DAYS * DAY + 1);
    expect(await verifyOptOutToken(token, SECRETS, after)).toEqual({ ok: false, reason: 'expired' });
  });

  it('truncated, padded or with foreign characters: malformed', async () => {
    const token = await createOptOutToken(SECRET, 0, jobAt(CREATED));
    for (const bad of [
      token.slice(0, -1),
      `${token}A`,
      '',
      `${token.slice(0, -1)}.`,
      `${token.slice(0, -1)}%`,
    ]) {
      expect(await verifyOptOutToken(bad, SECRETS, CREATED)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});

describe('opt-out tokens (security)', () => {
  it('any changed character is forged (job, hint or tag)', async () => {
    const token = await createOptOutToken(SECRET, 0, jobAt(CREATED));
    for (let i = 0; i < token.length; i++) {
      const ch = token[i] === 'A' ? 'B' : 'A';
      const changed = token.slice(0, i) + ch + token.slice(i + 1);
      expect((await verifyOptOutToken(changed, SECRETS, CREATED)).ok, `position ${i}`).toBe(false);
    }
  });

  it('another secret does not verify', async () => {
    const token = await createOptOutToken('someone-else', 0, jobAt(CREATED));
    expect(await verifyOptOutToken(token, SECRETS, CREATED)).toEqual({ ok: false, reason: 'forged' });
  });

  it('a click-link token is never an opt-out token (another HMAC domain and length)', async () => {
    const link = await createLinkToken(SECRET, 0, jobAt(CREATED), jobAt(CREATED));
    expect((await verifyOptOutToken(link, SECRETS, CREATED)).ok).toBe(false);
  });

  it('refuses to sign with an empty secret', async () => {
    await expect(createOptOutToken('', 0, jobAt(CREATED))).rejects.toThrow(/LINK_SECRET/);
  });
});
