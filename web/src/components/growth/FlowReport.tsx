// A flow's report: per step, how many people entered it, how many of its messages went out, how
// many were clicked, how many left the flow there (and a branch's split); the flow's revenue.
import type { FlowStats } from '../../flows';
import { formatMoney } from '../../growth';
import { DataTable } from '../DataTable';
import { percent, Stat } from '../sending/ui';

export function FlowReport({ stats }: { stats: FlowStats }) {
  const cost = stats.cost_cents;
  return (
    <section class="card" aria-labelledby="flow-report">
      <h2 id="flow-report">Report</h2>
      <ul class="stats">
        <Stat label="In the flow now" value={stats.enrolments.active} />
        <Stat label="Finished" value={stats.enrolments.completed} />
        <Stat label="Left early" value={stats.enrolments.exited} hint="opted out, or could not go on" />
        <Stat label="Messages sent" value={stats.messages_sent} />
        <Stat
          label="Revenue"
          value={formatMoney(stats.revenue_cents, stats.revenue_currency)}
          hint={`${stats.conversions} orders`}
        />
        <Stat
          label="Return on cost"
          value={cost > 0 ? `${(stats.revenue_cents / cost).toFixed(1)}×` : '—'}
          hint={`messages cost ${formatMoney(cost, stats.revenue_currency)}`}
        />
      </ul>
      <DataTable
        caption="Per step"
        rows={stats.steps}
        rowKey={(s) => s.step_id}
        columns={[
          {
            header: 'Step',
            render: (s) => (
              <span class="flow-report__step" style={{ paddingLeft: `${s.depth * 1.25}rem` }}>
                {s.arm ? <span class="muted">{s.arm === 'then' ? 'then · ' : 'otherwise · '}</span> : null}
                {s.label}
              </span>
            ),
          },
          { header: 'Entered', class: 'num', render: (s) => s.entered },
          { header: 'Sent', class: 'num', render: (s) => (s.type === 'send' ? s.sent : '—') },
          {
            header: 'Clicked',
            class: 'num',
            render: (s) => (s.type === 'send' ? `${s.clicked} (${percent(s.clicked, s.sent)})` : '—'),
          },
          { header: 'Exited', class: 'num', render: (s) => s.exited },
          {
            header: 'Branch',
            render: (s) => (s.type === 'branch' ? `yes ${s.then_count ?? 0} · no ${s.else_count ?? 0}` : ''),
          },
        ]}
      />
    </section>
  );
}
