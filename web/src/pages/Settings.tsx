import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CheckboxField, SelectField, TextAreaField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { Badge, Notice, ProblemAlert, toast } from '../components/Status';
import { TwilioAccountCard } from '../components/settings/TwilioAccountCard';
import { centsToDollars, dollarsToCents, formatCents, formatDateTime, timeZones } from '../format';
import { can, me } from '../session';
import type { Budget, Tenant } from '../types';

type Form = {
  name: string;
  timezone: string;
  daily: string;
  monthly: string;
  allow_unknown_consent: boolean;
  append_opt_out_footer: boolean;
  sender_name: string;
  help_reply: string;
  opt_out_reply: string;
  opt_in_reply: string;
  attribution_window_days: string;
  currency: string;
};

function formOf(t: Tenant): Form {
  return {
    name: t.name,
    timezone: t.timezone,
    daily: centsToDollars(t.daily_budget_cents),
    monthly: centsToDollars(t.monthly_budget_cents),
    allow_unknown_consent: t.allow_unknown_consent,
    append_opt_out_footer: t.append_opt_out_footer,
    sender_name: t.sender_name ?? '',
    help_reply: t.help_reply ?? '',
    opt_out_reply: t.opt_out_reply ?? '',
    opt_in_reply: t.opt_in_reply ?? '',
    attribution_window_days: String(t.attribution_window_days ?? 5),
    currency: t.currency ?? 'AUD',
  };
}

const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

export function Settings() {
  const [tenant, setTenant] = useState<Tenant | null>(null);
  const [budget, setBudget] = useState<Budget | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [confirmPause, setConfirmPause] = useState(false);
  const [pauseReason, setPauseReason] = useState('');
  const isAdmin = can('admin');

  useEffect(() => {
    Promise.all([api<Tenant>('/api/v1/tenant'), api<Budget>('/api/v1/budget')])
      .then(([t, b]) => {
        setTenant(t);
        setForm(formOf(t));
        setBudget(b);
      })
      .catch(setLoadError);
  }, []);

  if (loadError) {
    return (
      <>
        <PageHeader title="Settings" />
        <ProblemAlert error={loadError} />
      </>
    );
  }
  if (!tenant || !form) {
    return (
      <>
        <PageHeader title="Settings" />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const set =
    <K extends keyof Form>(key: K) =>
    (value: Form[K]) =>
      setForm({ ...form, [key]: value });

  const applied = (t: Tenant) => {
    setTenant(t);
    setForm(formOf(t));
    if (me.value)
      me.value = { ...me.value, tenant: { ...me.value.tenant, name: t.name, timezone: t.timezone } };
  };

  const save = async (e: Event) => {
    e.preventDefault();
    const daily = dollarsToCents(form.daily);
    const monthly = dollarsToCents(form.monthly);
    const errors: Record<string, string> = {};
    if (daily === undefined) errors.daily_budget_cents = 'Enter an amount in dollars, like 250 or 99.50.';
    if (monthly === undefined) errors.monthly_budget_cents = 'Enter an amount in dollars, like 5000.';
    if (!form.name.trim()) errors.name = 'The name cannot be empty.';
    const windowDays = Number(form.attribution_window_days);
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > 90) {
      errors.attribution_window_days = 'Enter whole days between 1 and 90.';
    }
    const currency = form.currency.trim().toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) errors.currency = 'Enter a three-letter currency code, like AUD.';
    setLocalErrors(errors);
    if (Object.keys(errors).length > 0) return;
    const next = {
      name: form.name.trim(),
      timezone: form.timezone,
      daily_budget_cents: daily,
      monthly_budget_cents: monthly,
      allow_unknown_consent: form.allow_unknown_consent,
      append_opt_out_footer: form.append_opt_out_footer,
      sender_name: orNull(form.sender_name),
      help_reply: orNull(form.help_reply),
      opt_out_reply: orNull(form.opt_out_reply),
      opt_in_reply: orNull(form.opt_in_reply),
      attribution_window_days: windowDays,
      currency,
    };
    // Send only what changed, so the audit log records exactly the edit.
    const patch = Object.fromEntries(
      Object.entries(next).filter(([k, v]) => tenant[k as keyof Tenant] !== v),
    ) as Partial<Tenant>;
    if (Object.keys(patch).length === 0) {
      toast('Nothing changed.');
      return;
    }
    setSaving(true);
    setSaveError(null);
    try {
      applied(await api<Tenant>('/api/v1/tenant', { method: 'PATCH', json: patch }));
      api<Budget>('/api/v1/budget').then(setBudget, () => undefined);
      toast('Settings saved.');
    } catch (err) {
      setSaveError(err);
    } finally {
      setSaving(false);
    }
  };

  const setPaused = async (isPaused: boolean) => {
    const json = isPaused ? { is_paused: true, paused_reason: orNull(pauseReason) } : { is_paused: false };
    applied(await api<Tenant>('/api/v1/tenant', { method: 'PATCH', json }));
    setPauseReason('');
    toast(isPaused ? 'All sending is paused.' : 'Sending resumed.');
  };

  const err = (path: string) =>
    localErrors[path] ?? (saveError instanceof ApiProblem ? saveError.fieldError(path) : undefined);

  return (
    <>
      <PageHeader title="Settings" />
      {!isAdmin && <Notice>Only admins can change these settings. You can see them read-only.</Notice>}

      <section class="card" aria-labelledby="kill-switch-title">
        <h2 id="kill-switch-title">Sending</h2>
        {tenant.is_paused ? (
          <>
            <p>
              <Badge tone="danger">Paused</Badge> No messages are being sent for this account.
              {tenant.paused_reason && <> Reason: {tenant.paused_reason}</>}
            </p>
            {isAdmin && (
              <Button variant="primary" onClick={() => setConfirmPause(true)}>
                Resume sending
              </Button>
            )}
          </>
        ) : (
          <>
            <p>
              <Badge tone="success">Active</Badge> Campaigns send normally.
            </p>
            {isAdmin && (
              <Button variant="danger" onClick={() => setConfirmPause(true)}>
                Pause all sending
              </Button>
            )}
          </>
        )}
      </section>

      {isAdmin ? (
        <TwilioAccountCard />
      ) : (
        <section class="card" aria-labelledby="twilio-title">
          <h2 id="twilio-title">Twilio account</h2>
          <p class="muted">Only admins can see and change the Twilio account messages go out through.</p>
        </section>
      )}

      <ConfirmDialog
        open={confirmPause}
        title={tenant.is_paused ? 'Resume sending?' : 'Pause all sending?'}
        confirmLabel={tenant.is_paused ? 'Resume sending' : 'Pause all sending'}
        danger={!tenant.is_paused}
        onConfirm={() => setPaused(!tenant.is_paused)}
        onClose={() => setConfirmPause(false)}
      >
        {tenant.is_paused ? (
          <p>Running campaigns continue from where they stopped, within their quiet hours and budgets.</p>
        ) : (
          <>
            <p>
              Every campaign stops sending within seconds. Messages already handed to the carrier may still
              arrive; nothing else goes out until an admin resumes sending.
            </p>
            <TextField
              label="Reason (optional)"
              value={pauseReason}
              onValue={setPauseReason}
              maxLength={500}
            />
          </>
        )}
      </ConfirmDialog>

      <form onSubmit={save} noValidate>
        <ProblemAlert error={saveError} />
        <fieldset disabled={!isAdmin} class="card">
          <legend>Account</legend>
          <div class="grid-2">
            <TextField
              label="Name"
              value={form.name}
              onValue={set('name')}
              error={err('name')}
              maxLength={120}
            />
            <SelectField
              label="Time zone"
              hint="Used for quiet hours, daily budgets and reports."
              value={form.timezone}
              onValue={set('timezone')}
              options={timeZones(form.timezone).map((z) => ({ value: z, label: z }))}
              error={err('timezone')}
            />
          </div>
        </fieldset>

        <fieldset disabled={!isAdmin} class="card">
          <legend>Budgets</legend>
          <p class="muted">In dollars. Leave empty for no limit. Sending pauses when a budget is spent.</p>
          <div class="grid-2">
            <TextField
              label="Daily budget ($)"
              inputMode="decimal"
              value={form.daily}
              onValue={set('daily')}
              error={err('daily_budget_cents')}
              hint={
                budget &&
                `Spent today: ${formatCents(budget.daily_spent_cents)}${
                  budget.daily_reset_at ? ` (resets ${formatDateTime(budget.daily_reset_at)})` : ''
                }`
              }
            />
            <TextField
              label="Monthly budget ($)"
              inputMode="decimal"
              value={form.monthly}
              onValue={set('monthly')}
              error={err('monthly_budget_cents')}
              hint={
                budget &&
                `Spent this month: ${formatCents(budget.monthly_spent_cents)}${
                  budget.monthly_reset_at ? ` (resets ${formatDateTime(budget.monthly_reset_at)})` : ''
                }`
              }
            />
          </div>
        </fieldset>

        <fieldset disabled={!isAdmin} class="card">
          <legend>Compliance and replies</legend>
          <CheckboxField
            label="Allow contacts with unknown consent in campaigns"
            hint="Off by default: the Spam Act requires consent you can prove."
            checked={form.allow_unknown_consent}
            onChecked={set('allow_unknown_consent')}
          />
          <CheckboxField
            label="Append an opt-out footer to every message"
            hint="Adds an opt-out instruction to messages that do not already have one."
            checked={form.append_opt_out_footer}
            onChecked={set('append_opt_out_footer')}
          />
          <TextField
            label="Sender name"
            hint="Identifies you in messages, as the Spam Act requires."
            value={form.sender_name}
            onValue={set('sender_name')}
            error={err('sender_name')}
            maxLength={60}
          />
          <TextAreaField
            label="Reply to HELP or INFO"
            value={form.help_reply}
            onValue={set('help_reply')}
            error={err('help_reply')}
            maxLength={480}
          />
          <TextAreaField
            label="Reply to STOP and other opt-out words"
            value={form.opt_out_reply}
            onValue={set('opt_out_reply')}
            error={err('opt_out_reply')}
            maxLength={480}
          />
          <TextAreaField
            label="Reply to START, YES or UNSTOP (opt back in)"
            value={form.opt_in_reply}
            onValue={set('opt_in_reply')}
            error={err('opt_in_reply')}
            maxLength={480}
          />
        </fieldset>
        <fieldset disabled={!isAdmin} class="card">
          <legend>Revenue attribution</legend>
          <p class="muted">
            An order reported through the conversions API counts for the contact’s last human click on one of
            your links within this window.
          </p>
          <div class="grid-2">
            <TextField
              label="Attribution window (days)"
              type="number"
              min={1}
              max={90}
              value={form.attribution_window_days}
              onValue={set('attribution_window_days')}
              error={err('attribution_window_days')}
            />
            <TextField
              label="Reporting currency"
              hint="Revenue in reports is totalled in this currency; orders in others are listed apart."
              value={form.currency}
              onValue={set('currency')}
              error={err('currency')}
              maxLength={3}
            />
          </div>
        </fieldset>
        {isAdmin && (
          <Button type="submit" variant="primary" busy={saving}>
            Save settings
          </Button>
        )}
      </form>
    </>
  );
}
