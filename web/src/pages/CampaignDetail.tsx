import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, type Page } from '../api';
import { Button, ButtonLink } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { TestSendDialog } from '../components/conversations/TestSendDialog';
import { PageHeader } from '../components/Layout';
import { Notice, ProblemAlert, toast } from '../components/Status';
import { AbResult } from '../components/sending/AbResult';
import { ArchivedNote } from '../components/sending/ArchivedNote';
import { audienceText } from '../components/sending/audience-text';
import { CampaignExports } from '../components/sending/CampaignExports';
import { abText, localText } from '../components/sending/DeliveryFields';
import { DeliveryOptions } from '../components/sending/DeliveryOptions';
import { DeliveryPlan } from '../components/sending/DeliveryPlan';
import { JobsTable } from '../components/sending/JobsTable';
import { LaunchSummary } from '../components/sending/LaunchSummary';
import { LiveStats } from '../components/sending/LiveStats';
import type {
  Campaign,
  CampaignStats,
  LaunchPreview,
  SendingNumber,
  Template,
} from '../components/sending/types';
import { CampaignBadge, useResource } from '../components/sending/ui';
import { formatCents, formatDateTime, formatNumber } from '../format';
import { can, me } from '../session';
import type { Segment } from '../types';
import '../sending.css';
import '../conversations.css';

type Action = 'launch' | 'pause' | 'resume' | 'cancel';

const LIVE: readonly string[] = ['queued', 'running', 'paused'];

export function CampaignDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? '';
  const campaign = useResource<Campaign>(`/api/v1/campaigns/${id}`);
  const c = campaign.data;
  const isLive = !!c && LIVE.includes(c.status) && !c.cancelled_at;
  const stats = useResource<CampaignStats>(
    c && c.status !== 'draft' ? `/api/v1/campaigns/${id}/stats` : null,
    isLive ? 4000 : undefined,
  );
  const preview = useResource<LaunchPreview>(
    c?.status === 'draft' ? `/api/v1/campaigns/${id}/launch-preview` : null,
  );
  const [templates, setTemplates] = useState<Template[]>([]);
  const [numbers, setNumbers] = useState<SendingNumber[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [duplicating, setDuplicating] = useState(false);
  const [testing, setTesting] = useState(false);
  const [action, setAction] = useState<Action>('launch');
  const [confirming, setConfirming] = useState(false);
  const ask = (a: Action) => {
    setAction(a);
    setConfirming(true);
  };
  const editable = can('staff');

  useEffect(() => {
    api<Page<Template>>('/api/v1/templates', { query: { limit: 500 } })
      .then((p) => setTemplates(p.data))
      .catch(() => setTemplates([]));
    api<Page<SendingNumber>>('/api/v1/sending-numbers', { query: { limit: 500 } })
      .then((p) => setNumbers(p.data))
      .catch(() => setNumbers([]));
    api<Page<Segment>>('/api/v1/segments', { query: { limit: 500 } })
      .then((p) => setSegments(p.data))
      .catch(() => setSegments([]));
  }, []);

  // The stats poll sees a status change first (e.g. paused by the budget); refresh the campaign then.
  const statsStatus = stats.data?.status;
  const statsReason = stats.data?.status_reason;
  useEffect(() => {
    if (c && statsStatus && (statsStatus !== c.status || (statsReason ?? null) !== c.status_reason))
      campaign.reload();
  }, [statsStatus, statsReason]);

  const back = { href: '/campaigns', label: 'Campaigns' };
  if (campaign.error && !c) {
    return (
      <>
        <PageHeader title="Campaign" back={back} />
        <ProblemAlert error={campaign.error} />
      </>
    );
  }
  if (!c) {
    return (
      <>
        <PageHeader title="Campaign" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const run = async (a: Action) => {
    const updated = await api<Campaign>(`/api/v1/campaigns/${id}/${a}`, { method: 'POST' });
    campaign.setData(updated);
    stats.reload();
    const done: Record<Action, string> = {
      launch: updated.send_at_local
        ? `Launched: recipients get it at ${updated.send_at_local.time} on ${updated.send_at_local.date}, their own time.`
        : updated.scheduled_at
          ? `Launched: it starts ${formatDateTime(updated.scheduled_at)}.`
          : 'Launched.',
      pause: 'Paused. Sending stops within seconds.',
      resume: 'Resumed.',
      cancel: 'Cancelled. Messages not yet sent will not be sent.',
    };
    toast(done[a]);
  };

  const duplicate = async () => {
    setDuplicating(true);
    try {
      const copy = await api<Campaign>(`/api/v1/campaigns/${id}/duplicate`, { method: 'POST' });
      toast(`Copied into the draft “${copy.name}”.`);
      route(`/campaigns/${copy.id}`);
    } catch (err) {
      toast(`Could not copy the campaign: ${err instanceof Error ? err.message : String(err)}`, 'error');
    } finally {
      setDuplicating(false);
    }
  };
  const cancelled = !!c.cancelled_at;
  const p = preview.data;
  const templateName = (tid: string) => templates.find((t) => t.id === tid)?.name ?? 'Template';
  const tz = me.value?.tenant.timezone;

  const dialog: Record<
    Action,
    { title: string; confirm: string; danger?: boolean; body: ComponentChildren }
  > = {
    launch: {
      title: 'Launch this campaign?',
      confirm: c.send_at_local ? 'Launch' : c.scheduled_at ? 'Schedule campaign' : 'Launch now',
      body: (
        <>
          <p>
            {p ? (
              <>
                <strong>{formatNumber(p.eligible)}</strong> of {formatNumber(p.audience)} contacts will
                receive it, for about <strong>{formatCents(p.estimated_cost_cents)}</strong>.
              </>
            ) : (
              'The audience is counted again when sending starts.'
            )}
          </p>
          <p>
            {c.send_at_local
              ? `Each recipient gets it at ${c.send_at_local.time} on ${c.send_at_local.date} in their own timezone.`
              : c.scheduled_at
                ? `It starts ${formatDateTime(c.scheduled_at)}.`
                : 'Sending starts right away.'}{' '}
            Quiet hours {c.quiet_hours_start}–{c.quiet_hours_end} apply in each recipient’s timezone.
          </p>
          {c.ab_test && (
            <p>
              A/B test: {abText(c.ab_test)}. The winner is picked and sent automatically; nobody gets both.
            </p>
          )}
        </>
      ),
    },
    pause: {
      title: 'Pause sending?',
      confirm: 'Pause campaign',
      body: <p>Sending stops within seconds. Messages already handed to the carrier still arrive.</p>,
    },
    resume: {
      title: 'Resume sending?',
      confirm: 'Resume campaign',
      body: <p>The remaining messages are sent, respecting quiet hours and the number limits.</p>,
    },
    cancel: {
      title: 'Cancel this campaign?',
      confirm: 'Cancel campaign',
      danger: true,
      body: <p>Messages not yet sent are dropped for good. This cannot be undone.</p>,
    },
  };
  const d = dialog[action];

  return (
    <>
      <PageHeader title={c.name} back={back}>
        {editable && c.status === 'draft' && (
          <Button
            variant="primary"
            onClick={() => ask('launch')}
            disabled={!p || p.eligible === 0 || p.launch_problems.length > 0}
          >
            {c.scheduled_at ? 'Schedule…' : 'Launch…'}
          </Button>
        )}
        {editable && !cancelled && (c.status === 'running' || c.status === 'queued') && (
          <Button onClick={() => ask('pause')}>Pause…</Button>
        )}
        {editable && !cancelled && c.status === 'paused' && (
          <Button variant="primary" onClick={() => ask('resume')}>
            Resume…
          </Button>
        )}
        {editable && !cancelled && c.status !== 'completed' && c.status !== 'draft' && (
          <Button variant="danger" onClick={() => ask('cancel')}>
            Cancel…
          </Button>
        )}
        {c.status !== 'draft' && <ButtonLink href={`/campaigns/${c.id}/report`}>Report</ButtonLink>}
        {editable && <Button onClick={() => setTesting(true)}>Send a test…</Button>}
        {editable && (
          <Button onClick={duplicate} busy={duplicating}>
            Duplicate
          </Button>
        )}
      </PageHeader>
      {editable && <TestSendDialog campaignId={c.id} open={testing} onClose={() => setTesting(false)} />}
      {c.status !== 'draft' && <CampaignExports id={c.id} />}

      <div class="sending-statusline" role="status">
        <CampaignBadge status={c.status} cancelled={cancelled} />
        {c.status_reason && c.status !== 'paused' && (
          <strong class="sending-reason" data-testid="status-reason">
            {c.status_reason}
          </strong>
        )}
      </div>
      {c.status === 'paused' && c.status_reason && (
        <Notice kind="warning">
          <p class="alert__title sending-reason" data-testid="status-reason">
            Paused: {c.status_reason}
          </p>
          <p>Nothing more is sent until it is resumed{editable ? '' : ' by a staff member'}.</p>
        </Notice>
      )}

      {c.status === 'draft' && (
        <>
          {preview.error && <ProblemAlert error={preview.error} />}
          {p ? (
            <LaunchSummary preview={p} />
          ) : (
            !preview.error && <p aria-live="polite">Counting the audience…</p>
          )}
        </>
      )}

      {c.status === 'draft' && editable && (
        <DeliveryOptions
          campaign={c}
          tz={tz ?? 'the tenant’s timezone'}
          onSaved={(updated) => {
            campaign.setData(updated);
            preview.reload();
          }}
        />
      )}

      {stats.data && <LiveStats stats={stats.data} live={isLive} />}
      {stats.data?.ab && <AbResult ab={stats.data.ab} templateName={templateName} cancelled={cancelled} />}
      <DeliveryPlan
        campaignId={c.id}
        refreshKey={`${c.status}|${c.updated_at}|${stats.data?.ab?.phase ?? ''}`}
      />
      {stats.error && !stats.data && <ProblemAlert error={stats.error} />}

      <section class="card" aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <dl class="details">
          <dt>Templates</dt>
          <dd>
            {c.template_ids.map((t, i) => (
              <span key={t}>
                {i > 0 && ', '}
                <a href={`/templates/${t}`}>{templateName(t)}</a>
              </span>
            ))}
            {c.template_ids.length > 1 && <span class="muted"> (A/B split)</span>}
          </dd>
          <dt>Audience</dt>
          <dd>
            {audienceText(c, segments)}
            {c.audience.import_batch_id && (
              <>
                {' '}
                (<a href={`/imports/${c.audience.import_batch_id}`}>view import</a>)
              </>
            )}
          </dd>
          <dt>Quiet hours</dt>
          <dd>
            {c.quiet_hours_start}–{c.quiet_hours_end}, in each recipient’s own timezone
            {tz ? ` (${tz} when unknown)` : ''}
          </dd>
          <dt>Target URL</dt>
          <dd>{c.target_url ? <a href={c.target_url}>{c.target_url}</a> : 'None'}</dd>
          <dt>A/B test</dt>
          <dd data-testid="settings-ab">{c.ab_test ? abText(c.ab_test) : 'None'}</dd>
          <dt>Delivery</dt>
          <dd data-testid="settings-local">
            {c.send_at_local ? localText(c.send_at_local) : 'As soon as it starts (quiet hours permitting)'}
          </dd>
          <dt>Scheduled</dt>
          <dd>
            {c.scheduled_at
              ? `${formatDateTime(c.scheduled_at)}${c.send_at_local ? ' (starts itself in time for the local times)' : ''}`
              : 'When launched'}
          </dd>
          <dt>Sending numbers</dt>
          <dd>
            {c.sending_number_ids.length === 0
              ? 'All active numbers'
              : c.sending_number_ids
                  .map((n) => {
                    const x = numbers.find((y) => y.id === n);
                    return x ? x.label : n;
                  })
                  .join(', ')}
          </dd>
          <dt>Created</dt>
          <dd>{formatDateTime(c.created_at)}</dd>
          {c.started_at && (
            <>
              <dt>Started</dt>
              <dd>{formatDateTime(c.started_at)}</dd>
            </>
          )}
          {c.completed_at && (
            <>
              <dt>{cancelled ? 'Cancelled' : 'Completed'}</dt>
              <dd>{formatDateTime(c.cancelled_at ?? c.completed_at)}</dd>
            </>
          )}
        </dl>
      </section>

      {c.archived_at ? (
        <section class="card" aria-labelledby="messages-title">
          <h2 id="messages-title">Messages</h2>
          <ArchivedNote c={c} place="detail" />
        </section>
      ) : (
        c.status !== 'draft' && <JobsTable campaignId={c.id} />
      )}

      <ConfirmDialog
        open={confirming}
        title={d.title}
        confirmLabel={d.confirm}
        danger={d.danger}
        onConfirm={() => run(action)}
        onClose={() => setConfirming(false)}
      >
        {d.body}
      </ConfirmDialog>
    </>
  );
}
