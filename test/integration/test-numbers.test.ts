// Test numbers (issue 12): each confirmed once by a code texted to it through the send path; the
// code is stored hashed, expires, and allows a few attempts.
import { and, eq } from 'drizzle-orm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { addDoNotContactRow } from '../../workers/db/do-not-contact';
import { auditLog, testNumbers } from '../../workers/db/schema';
import { MAX_TEST_NUMBERS } from '../../workers/domain/verification-code';
import { directRows, withCapturedQueues } from '../helpers/conversations';
import { createTenant, json, type TestTenant, updateTenant } from '../helpers/fixtures';
import { mockTwilio, phone, runDirect, setupSendTenant } from '../helpers/send-setup';

// Many requests per test: never a failure because the machine is busy.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => {
  vi.restoreAllMocks();
});

type TestNumber = {
  id: string;
  phone_e164: string;
  label: string | null;
  status: 'pending' | 'confirmed';
  attempts_left: number;
  code_expires_at: string | null;
};
type Problem = {
  status: number;
  detail: string;
  attempts_left?: number;
  reason?: string;
  errors?: { path: string; message: string }[];
};

async function add(t: TestTenant, body: Record<string, unknown>, role: 'staff' | 'viewer' = 'staff') {
  const q = withCapturedQueues(t);
  const res = await q.api('/test-numbers', { json: body, role });
  return { res, q };
}

/** The code in the latest verification SMS queued for the tenant. */
async function lastCode(t: TestTenant): Promise<string> {
  const rows = await directRows(t, 'verification');
  const body = rows[rows.length - 1]?.body ?? '';
  const m = /\b(\d{6})\b/.exec(body);
  if (!m?.[1]) throw new Error(`no code in "${body}"`);
  return m[1];
}

const confirm = (t: TestTenant, id: string, code: string) =>
  withCapturedQueues(t).api(`/test-numbers/${id}/confirm`, { json: { code }, role: 'staff' });

describe('test numbers (happy)', () => {
  it('a code goes out through the send path; the right code confirms the number once', async () => {
    const t = await setupSendTenant();
    const p = phone();
    const { res, q } = await add(t, { phone: p.replace('+61', '0'), label: 'My phone' });
    expect(res.status).toBe(201);
    const created = await json<TestNumber>(res);
    expect(created).toMatchObject({ phone_e164: p, label: 'My phone', status: 'pending', attempts_left: 5 });
    const [sms] = await directRows(t, 'verification');
    expect(sms).toMatchObject({ toPhone: p, kind: 'verification', contactId: null });
    expect(q.send.sent).toEqual([
      { body: { messageId: sms!.id, tenantId: t.tenantId }, delaySeconds: undefined },
    ]);
    const code = await lastCode(t);
    // Stored as an HMAC, never the code itself.
    const [row] = await t.db.select().from(testNumbers).where(eq(testNumbers.id, created.id));
    expect(row?.codeHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.codeHash).not.toContain(code);

    const tw = mockTwilio();
    await runDirect(q.queues, [{ messageId: sms!.id, tenantId: t.tenantId }]);
    expect(tw.calls).toHaveLength(1);
    expect(tw.calls[0]).toMatchObject({ to: p, from: t.numberPhones[0] });
    expect(tw.calls[0]?.body).toContain(`Send Co: ${code} is your code`);

    const ok = await confirm(t, created.id, `${code.slice(0, 3)} ${code.slice(3)}`);
    expect(ok.status).toBe(200);
    expect(await json<TestNumber>(ok)).toMatchObject({
      status: 'confirmed',
      attempts_left: 0,
      code_expires_at: null,
    });
    // Confirming again is harmless; the code cannot be used again for anything.
    expect((await confirm(t, created.id, code)).status).toBe(200);
    const actions = await t.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, t.tenantId), eq(auditLog.resourceType, 'test_number')));
    expect(actions.map((a) => a.action)).toEqual(['test_number.created', 'test_number.confirmed']);

    const del = await withCapturedQueues(t).api(`/test-numbers/${created.id}`, {
      method: 'DELETE',
      role: 'staff',
    });
    expect(del.status).toBe(204);
    expect(
      await json<{ data: unknown[] }>(await t.api('/api/v1/test-numbers', { role: 'viewer' })),
    ).toMatchObject({ data: [] });
  });
});

describe('test numbers (error)', () => {
  it('error: a wrong code counts down; too many wrong codes lock it until a new code', async () => {
    const t = await setupSendTenant();
    const { res } = await add(t, { phone: phone() });
    const { id } = await json<TestNumber>(res);
    const code = await lastCode(t);
    const wrong = code === '000000' ? '111111' : '000000';
    const first = await confirm(t, id, wrong);
    expect(first.status).toBe(422);
    expect(await json<Problem>(first)).toMatchObject({ attempts_left: 4, errors: [{ path: 'code' }] });
    for (let i = 0; i < 4; i++) expect((await confirm(t, id, 'abc')).status).toBe(422);
    // Five wrong: even the right code is refused now.
    const locked = await confirm(t, id, code);
    expect(locked.status).toBe(429);
    expect((await json<Problem>(locked)).reason).toBe('too_many_attempts');

    // A new code (after the minute) works; the old one does not.
    await t.db
      .update(testNumbers)
      .set({ codeSentAt: new Date(Date.now() - 120_000).toISOString() })
      .where(eq(testNumbers.id, id));
    const resent = await withCapturedQueues(t).api(`/test-numbers/${id}/resend-code`, {
      method: 'POST',
      role: 'staff',
    });
    expect(resent.status).toBe(202);
    expect((await json<TestNumber>(resent)).attempts_left).toBe(5);
    const fresh = await lastCode(t);
    if (fresh !== code) expect((await confirm(t, id, code)).status).toBe(422);
    expect((await confirm(t, id, fresh)).status).toBe(200);
    expect(await directRows(t, 'verification')).toHaveLength(2);
  });

  it('error: an expired code is refused (410); asking again within a minute is 429', async () => {
    const t = await setupSendTenant();
    const { res } = await add(t, { phone: phone() });
    const { id } = await json<TestNumber>(res);
    const code = await lastCode(t);
    const again = await withCapturedQueues(t).api(`/test-numbers/${id}/resend-code`, {
      method: 'POST',
      role: 'staff',
    });
    expect(again.status).toBe(429);
    await t.db
      .update(testNumbers)
      .set({ codeExpiresAt: new Date(Date.now() - 1000).toISOString() })
      .where(eq(testNumbers.id, id));
    const expired = await confirm(t, id, code);
    expect(expired.status).toBe(410);
    expect((await json<Problem>(expired)).reason).toBe('expired');
    const [row] = await t.db.select().from(testNumbers).where(eq(testNumbers.id, id));
    expect(row?.confirmedAt).toBeNull();
  });

  it('error: bad phones, duplicates, opted-out phones, a paused account and too many numbers', async () => {
    const t = await setupSendTenant();
    const bad = await add(t, { phone: '12' });
    expect(bad.res.status).toBe(422);
    expect((await json<Problem>(bad.res)).errors?.[0]?.path).toBe('phone');
    const p = phone();
    expect((await add(t, { phone: p })).res.status).toBe(201);
    const dup = await add(t, { phone: p });
    expect(dup.res.status).toBe(409);

    const stopped = phone();
    await addDoNotContactRow(t.db, t.tenantId, stopped, 'STOP');
    const dnc = await add(t, { phone: stopped });
    expect(dnc.res.status).toBe(409);
    expect((await json<Problem>(dnc.res)).reason).toBe('do_not_contact');

    await updateTenant(t.tenantId, { isPaused: true });
    const paused = await add(t, { phone: phone() });
    expect(paused.res.status).toBe(409);
    expect((await json<Problem>(paused.res)).reason).toBe('tenant_paused');
    await updateTenant(t.tenantId, { isPaused: false });

    // The limit: a test ignores consent, so the list stays short.
    for (let i = 1; i < MAX_TEST_NUMBERS; i++)
      await t.db
        .insert(testNumbers)
        .values({ id: crypto.randomUUID(), tenantId: t.tenantId, phoneE164: phone() });
    const over = await add(t, { phone: phone() });
    expect(over.res.status).toBe(409);
    expect((await json<Problem>(over.res)).reason).toBe('limit');
    expect(await directRows(t, 'verification')).toHaveLength(1);
  });

  it('error: codes per hour are capped across the account', async () => {
    const t = await setupSendTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { res } = await add(t, { phone: phone() });
      ids.push((await json<TestNumber>(res)).id);
    }
    // Five more codes for the same numbers (each a minute later, as the resend rule wants).
    for (const id of ids) {
      await t.db
        .update(testNumbers)
        .set({ codeSentAt: new Date(Date.now() - 120_000).toISOString() })
        .where(eq(testNumbers.id, id));
      expect(
        (await withCapturedQueues(t).api(`/test-numbers/${id}/resend-code`, { method: 'POST' })).status,
      ).toBe(202);
    }
    const eleventh = await add(t, { phone: phone() });
    expect(eleventh.res.status).toBe(429);
    expect(await directRows(t, 'verification')).toHaveLength(10);
  });
});

describe('test numbers (security)', () => {
  it('security: viewers cannot add or confirm; another tenant’s numbers are not found', async () => {
    const a = await setupSendTenant();
    const b = await createTenant('Other Co');
    expect((await add(a, { phone: phone() }, 'viewer')).res.status).toBe(403);
    const { res } = await add(a, { phone: phone() });
    const { id } = await json<TestNumber>(res);
    const code = await lastCode(a);
    expect(
      (await withCapturedQueues(a).api(`/test-numbers/${id}/confirm`, { json: { code }, role: 'viewer' }))
        .status,
    ).toBe(403);
    expect((await confirm(b, id, code)).status).toBe(404);
    expect((await b.api(`/api/v1/test-numbers/${id}`)).status).toBe(404);
    expect((await b.api(`/api/v1/test-numbers/${id}`, { method: 'DELETE' })).status).toBe(404);
    const [row] = await a.db.select().from(testNumbers).where(eq(testNumbers.id, id));
    expect(row).toMatchObject({ confirmedAt: null, codeAttempts: 0 });
  });
});
