// Renders one recipient's message: template + contact variables + personal short link + personal
// opt-out link + the opt-out footer that suits the sender (workers/domain/opt-out.ts).
import type { Shard } from '../db/shards';
import { withUtmParams } from '../domain/link-token';
import { finishBody, needsOptOutUrl, usesOptOutLink } from '../domain/opt-out';
import { createOptOutToken } from '../domain/optout-token';
import { canReceiveReplies } from '../domain/senders';
import { analyzeSms } from '../domain/sms-encoding';
import { contactVariables, renderTemplate } from '../domain/template';
import { optOutUrl, shortLinkFor, shortLinkUrl } from '../redirect/links';
import type { JobContext, NumberRow, Renderer } from './types';

const LINK_VARIABLE = /\{\{\s*link\s*(\|[^}]*)?\}\}/;

/** The campaign's target URL with its UTM parameters (domain/link-token.ts: withUtmParams). */
export function campaignTargetUrl(targetUrl: string, utm: Record<string, string> | null): string {
  return withUtmParams(targetUrl, utm);
}

export function usesLink(templateBody: string): boolean {
  return LINK_VARIABLE.test(templateBody);
}

export class CampaignRenderer implements Renderer {
  constructor(
    private readonly env: Env,
    private readonly shard: Shard,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async render(ctx: JobContext, sender: NumberRow): Promise<{ body: string; parts: number }> {
    const template = ctx.templateBody ?? '';
    const vars: Record<string, string | undefined> = { ...contactVariables(ctx.contact) };
    if (ctx.campaign.targetUrl && usesLink(template)) {
      // The fan-out created the link with the job; only a rare nonce collision (or a job queued
      // before the campaign had a link) gets its link here, at the cost of a round trip.
      vars.link = ctx.linkToken
        ? shortLinkUrl(this.env, ctx.linkToken)
        : (
            await shortLinkFor(this.env, this.shard, {
              tenantId: ctx.tenant.id,
              campaignId: ctx.campaign.id,
              contactId: ctx.contact.id,
              now: this.clock(),
            })
          ).url;
    }
    const reach = { canReceiveReplies: canReceiveReplies(sender.kind) };
    // Derived from the job: no row, no round trip (workers/domain/optout-token.ts).
    const url = needsOptOutUrl(template, reach)
      ? optOutUrl(this.env, await createOptOutToken(this.env.LINK_SECRET, this.shard.index, ctx.job.id))
      : null;
    if (url) vars.optout = url;
    const { text } = renderTemplate(template, vars);
    const body = finishBody(text, { appendOptOutFooter: ctx.tenant.appendOptOutFooter }, reach, {
      templateHasLink: usesOptOutLink(template),
      url,
    });
    return { body, parts: analyzeSms(body).segments };
  }
}
