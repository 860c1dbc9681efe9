import { DurableObject } from 'cloudflare:workers';

export type NumberConfig = {
  sendingNumberId: string;
  timezone: string;
  dailyLimit: number;
  perMinuteLimit: number;
  warmupStartDate: string | null;
  isActive: boolean;
};

/** One per sending number (named by its id): serialises its per-minute, daily and warm-up limits. */
export class SendingNumber extends DurableObject<Env> {
  async configure(config: NumberConfig): Promise<void> {
    await this.ctx.storage.put('config', config);
  }

  async getConfig(): Promise<NumberConfig | null> {
    return (await this.ctx.storage.get<NumberConfig>('config')) ?? null;
  }
}
