import { formatCents, formatNumber } from '../../format';
import type { CampaignStats } from './types';
import { percent, Stat } from './ui';

/** The campaign's running totals; announced politely as they change. */
export function LiveStats({ stats, live }: { stats: CampaignStats; live: boolean }) {
  const handed = stats.sent + stats.delivered;
  return (
    <section class="card" aria-labelledby="live-stats-title">
      <h2 id="live-stats-title">
        {live ? 'Live progress' : 'Totals'}
        {live && <span class="muted sending-small"> · refreshes every few seconds</span>}
      </h2>
      <ul class="stats" aria-live={live ? 'polite' : undefined} aria-atomic="false">
        <Stat label="Audience" value={formatNumber(stats.audience)} />
        <Stat label="Waiting to send" value={formatNumber(stats.queued)} />
        <Stat label="Sent" value={formatNumber(handed)} />
        <Stat
          label="Delivered"
          value={formatNumber(stats.delivered)}
          hint={percent(stats.delivered, handed)}
        />
        <Stat label="Failed" value={formatNumber(stats.failed)} />
        <Stat label="Human clicks" value={formatNumber(stats.human_clicks)} />
        <Stat label="Replies" value={formatNumber(stats.replies)} />
        <Stat label="Opt-outs" value={formatNumber(stats.opt_outs)} />
        <Stat label="Cost so far" value={formatCents(stats.cost_cents)} />
      </ul>
    </section>
  );
}
