import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  parseSignatureHeader,
  signatureHeader,
  verifySignature,
} from '../../workers/domain/webhook-signature';

const SECRET = 'whsec_test_secret';
const BODY = '{"id":"evt_1","type":"contact.created","created_at":"2025-03-01T00:00:00.000Z","data":{}}';
const T = 1_740_787_200;

describe('webhook signature', () => {
  it('happy: the header is t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")> (checked with node:crypto)', async () => {
    const header = await signatureHeader(SECRET, BODY, T);
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');
    expect(header).toBe(`t=${T},v1=${expected}`);
  });

  it('happy: a receiver verifies it', async () => {
    const header = await signatureHeader(SECRET, BODY, T);
    expect(await verifySignature(header, BODY, SECRET, T + 10)).toEqual({ ok: true });
  });

  it('security: another body, another secret, or a moved timestamp fail', async () => {
    const header = await signatureHeader(SECRET, BODY, T);
    expect(await verifySignature(header, `${BODY} `, SECRET, T)).toEqual({ ok: false, reason: 'mismatch' });
    expect(await verifySignature(header, BODY, 'whsec_other', T)).toEqual({ ok: false, reason: 'mismatch' });
    const moved = header.replace(`t=${T}`, `t=${T + 1}`);
    expect(await verifySignature(moved, BODY, SECRET, T)).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('security: a replay outside the tolerance is refused even with a valid signature', async () => {
    const header = await signatureHeader(SECRET, BODY, T);
    expect(await verifySignature(header, BODY, SECRET, T + 301)).toEqual({ ok: false, reason: 'expired' });
    expect(await verifySignature(header, BODY, SECRET, T + 300)).toEqual({ ok: true });
  });

  it('error: malformed headers are refused; several v1 values (during a rotation) are accepted', async () => {
    for (const h of [null, '', 't=abc,v1=00', `v1=${'a'.repeat(64)}`, `t=${T}`, `t=${T},v1=XYZ`, 'garbage']) {
      expect(parseSignatureHeader(h), String(h)).toBeNull();
    }
    const good = (await signatureHeader(SECRET, BODY, T)).split('v1=')[1];
    const header = `t=${T},v1=${'0'.repeat(64)},v1=${good}`;
    expect(await verifySignature(header, BODY, SECRET, T)).toEqual({ ok: true });
  });
});
