import { DurableObject } from 'cloudflare:workers';
import { shardOrNull } from '../workers/db/shards';
import { advanceEnrolment } from '../workers/flows/engine';

/** Which enrolment a runner moves: its tenant (so it finds the shard) and its id. */
export type RunnerRef = { tenantId: string; enrolmentId: string };

let manualTimers = false;
/**
 * Tests drive runners with pinned clocks (`runAt`) and must not race a real alarm: with manual
 * timers on, a runner records when it is due (`due()`) instead of setting its alarm.
 */
export function useManualFlowTimers(on: boolean): void {
  manualTimers = on;
}

/**
 * One per flow enrolment (named by the enrolment id): its timer. The enrolment's position and
 * state live in the tenant's shard (flow_enrolments); the runner only remembers which enrolment it
 * is and wakes when the next step is due (a wait ends, a branch decides, quiet hours end). An
 * alarm survives restarts and is retried by the platform when it throws; every move is guarded in
 * D1 and every message is keyed once per step, so a rerun or a duplicate wake-up changes nothing.
 */
export class FlowRunner extends DurableObject<Env> {
  /** Remembers the enrolment and runs it at `at` (now when omitted). Harmless to call again. */
  async start(ref: RunnerRef, at?: string): Promise<void> {
    await this.ctx.storage.put('ref', ref);
    await this.schedule(at ? new Date(at) : new Date());
  }

  /** Runs it as soon as possible (a flow resumed, a step changed). */
  async wake(): Promise<void> {
    if (await this.ctx.storage.get<RunnerRef>('ref')) await this.schedule(new Date());
  }

  override async alarm(): Promise<void> {
    await this.runAt(new Date().toISOString());
  }

  /** Moves the enrolment as of `at`; answers when it is due next (null: finished or held). */
  async runAt(at: string): Promise<string | null> {
    const ref = await this.ctx.storage.get<RunnerRef>('ref');
    if (!ref) return null;
    const shard = await shardOrNull(this.env, ref.tenantId);
    if (!shard) {
      await this.forget();
      return null;
    }
    const next = await advanceEnrolment(this.env, shard, ref, new Date(at));
    if (next) await this.schedule(next);
    else {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.delete('due');
    }
    return next?.toISOString() ?? null;
  }

  /** When it is due next, as recorded (tests; the System page could show it). */
  async due(): Promise<string | null> {
    return (await this.ctx.storage.get<string>('due')) ?? null;
  }

  private async schedule(at: Date): Promise<void> {
    await this.ctx.storage.put('due', at.toISOString());
    if (!manualTimers) await this.ctx.storage.setAlarm(at.getTime());
  }

  private async forget(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
