import { DurableObject } from 'cloudflare:workers';

export type GovernorConfig = {
  tenantId: string;
  timezone: string;
  isPaused: boolean;
  dailyBudgetCents: number | null;
  monthlyBudgetCents: number | null;
};

/**
 * One per tenant (named by tenant id): the live kill switch and the budget counters.
 * Every send asks it first, so flipping the switch here stops sending within seconds.
 */
export class TenantGovernor extends DurableObject<Env> {
  async configure(config: GovernorConfig): Promise<void> {
    await this.ctx.storage.put('config', config);
  }

  async getConfig(): Promise<GovernorConfig | null> {
    return (await this.ctx.storage.get<GovernorConfig>('config')) ?? null;
  }
}
