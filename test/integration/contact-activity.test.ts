import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { touchContactActivity } from '../../workers/db/contact-activity';
import { uuidv7 } from '../../workers/db/ids';
import { contacts } from '../../workers/db/schema';
import { acrossShards, createTenant, shardDb } from '../helpers/fixtures';

let n = 0;
async function contact(tenantId: string) {
  const id = uuidv7();
  await shardDb(tenantId)
    .insert(contacts)
    .values({ id, tenantId, phoneE164: `+6141777${String(++n).padStart(4, '0')}` });
  return id;
}
const activity = async (id: string) => {
  const [r] = await acrossShards((d) =>
    d
      .select({ click: contacts.lastHumanClickAt, reply: contacts.lastReplyAt })
      .from(contacts)
      .where(eq(contacts.id, id)),
  );
  return r;
};

describe('contacts.last_human_click_at / last_reply_at', () => {
  it('touchContactActivity moves each forward only, alone or in a batch', async () => {
    const t = await createTenant();
    const id = await contact(t.tenantId);
    await touchContactActivity(t.db, t.tenantId, id, { humanClickAt: '2026-05-02T00:00:00.000Z' });
    await touchContactActivity(t.db, t.tenantId, id, { humanClickAt: '2026-05-01T00:00:00.000Z' }); // older: ignored
    await t.db.batch([touchContactActivity(t.db, t.tenantId, id, { replyAt: '2026-05-03T00:00:00.000Z' })]);
    expect(await activity(id)).toEqual({
      click: '2026-05-02T00:00:00.000Z',
      reply: '2026-05-03T00:00:00.000Z',
    });
    // Another tenant's id changes nothing.
    const other = await createTenant();
    await touchContactActivity(t.db, other.tenantId, id, { replyAt: '2027-01-01T00:00:00.000Z' });
    expect((await activity(id))?.reply).toBe('2026-05-03T00:00:00.000Z');
  });
});
