import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { uuidv7 } from '../../workers/db/ids';
import { magicTokens, sessions } from '../../workers/db/schema';
import worker from '../../workers/index';
import { control, createTenant } from '../helpers/fixtures';

describe('cron housekeeping', () => {
  it('happy: removes expired sessions and long-expired magic tokens, keeps live ones', async () => {
    const t = await createTenant();
    const past = new Date(Date.now() - 3 * 24 * 3600 * 1000).toISOString();
    const future = new Date(Date.now() + 3600 * 1000).toISOString();
    const d = control();
    await d.insert(sessions).values([
      {
        id: uuidv7(),
        userId: t.adminId,
        tenantId: t.tenantId,
        tokenHash: `old-${t.tenantId}`,
        expiresAt: past,
      },
      {
        id: uuidv7(),
        userId: t.adminId,
        tenantId: t.tenantId,
        tokenHash: `new-${t.tenantId}`,
        expiresAt: future,
      },
    ]);
    await d
      .insert(magicTokens)
      .values({ id: uuidv7(), userId: t.adminId, token: `tok-${t.tenantId}`, expiresAt: past });

    const errors = vi.spyOn(console, 'error');
    const ctx = createExecutionContext();
    await worker.scheduled(
      createScheduledController({ scheduledTime: Date.now(), cron: '* * * * *' }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);

    const left = await d.select().from(sessions).where(eq(sessions.tenantId, t.tenantId));
    expect(left.map((s) => s.tokenHash)).toEqual([`new-${t.tenantId}`]);
    expect(await d.select().from(magicTokens).where(eq(magicTokens.userId, t.adminId))).toHaveLength(0);
    expect(errors.mock.calls.filter((c) => String(c[0]).includes('housekeeping'))).toHaveLength(0);
  });
});
