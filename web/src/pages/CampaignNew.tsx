import { useEffect, useId, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiProblem, api, type Page } from '../api';
import { Button, ButtonLink } from '../components/Button';
import { Field, SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { Notice, ProblemAlert, toast } from '../components/Status';
import { SegmentPicker } from '../components/segments/SegmentPicker';
import {
  AbTestFields,
  DELIVERY_INITIAL,
  type DeliveryForm,
  deliveryBody,
  LocalTimeFields,
} from '../components/sending/DeliveryFields';
import type { Audience, Campaign, SendingNumber, Template } from '../components/sending/types';
import { formatDate, fromLocalInput } from '../format';
import { can, me } from '../session';
import type { ImportBatch, Segment } from '../types';
import '../sending.css';

type AudienceKind = 'all' | 'segments' | 'import' | 'custom_field';

type Form = {
  name: string;
  templateIds: string[];
  audience: AudienceKind;
  importBatchId: string;
  fieldKey: string;
  fieldValue: string;
  include: string[];
  exclude: string[];
  quietStart: string;
  quietEnd: string;
  targetUrl: string;
  schedule: 'launch' | 'at' | 'local';
  scheduledAt: string;
  numberIds: string[];
};

const INITIAL: Form = {
  name: '',
  templateIds: [],
  audience: 'all',
  importBatchId: '',
  fieldKey: '',
  fieldValue: '',
  include: [],
  exclude: [],
  quietStart: '20:00',
  quietEnd: '09:00',
  targetUrl: '',
  schedule: 'launch',
  scheduledAt: '',
  numberIds: [],
};

const toggle = (list: string[], id: string) =>
  list.includes(id) ? list.filter((x) => x !== id) : [...list, id];

function TimeInput({
  label,
  value,
  onValue,
  error,
}: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
}) {
  return (
    <Field label={label} required error={error}>
      {(p) => (
        <input
          {...p}
          type="time"
          value={value}
          onInput={(e) => onValue((e.currentTarget as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

export function CampaignNew() {
  const { route } = useLocation();
  const [form, setForm] = useState<Form>(INITIAL);
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [numbers, setNumbers] = useState<SendingNumber[] | null>(null);
  const [imports, setImports] = useState<ImportBatch[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [delivery, setDelivery] = useState<DeliveryForm>(DELIVERY_INITIAL);
  const ids = useId();
  const setDelivered =
    <K extends keyof DeliveryForm>(k: K) =>
    (v: DeliveryForm[K]) =>
      setDelivery((f) => ({ ...f, [k]: v }));
  const set =
    <K extends keyof Form>(k: K) =>
    (v: Form[K]) =>
      setForm((f) => ({ ...f, [k]: v }));
  const server = (f: string) => (error instanceof ApiProblem ? error.fieldError(f) : undefined);

  useEffect(() => {
    Promise.all([
      api<Page<Template>>('/api/v1/templates', { query: { limit: 500 } }),
      api<Page<SendingNumber>>('/api/v1/sending-numbers', { query: { limit: 500 } }),
    ])
      .then(([t, n]) => {
        setTemplates(t.data.filter((x) => x.is_active));
        setNumbers(n.data.filter((x) => x.is_active));
      })
      .catch(setLoadError);
    api<Page<ImportBatch>>('/api/v1/imports', { query: { limit: 100 } })
      .then((p) => setImports(p.data.filter((b) => b.status === 'completed')))
      .catch(() => setImports([]));
    api<Page<Segment>>('/api/v1/segments', { query: { limit: 500 } })
      .then((p) => setSegments(p.data))
      .catch(() => setSegments([]));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!form.name.trim()) errs.name = 'Give the campaign a name.';
    if (form.templateIds.length === 0) errs.templates = 'Choose at least one template.';
    if (form.audience === 'import' && !form.importBatchId) errs.import = 'Choose an import.';
    if (form.audience === 'custom_field' && !form.fieldKey.trim()) errs.fieldKey = 'Name the custom field.';
    if (form.audience === 'segments' && form.include.length + form.exclude.length === 0)
      errs.segments = 'Choose a segment to include or exclude.';
    if (!form.quietStart) errs.quietStart = 'Enter a time.';
    if (!form.quietEnd) errs.quietEnd = 'Enter a time.';
    if (form.targetUrl.trim() && !/^https?:\/\/\S+$/.test(form.targetUrl.trim()))
      errs.targetUrl = 'Enter a full web address starting with https://';
    const scheduledAt = form.schedule === 'at' ? fromLocalInput(form.scheduledAt) : null;
    if (form.schedule === 'at' && !scheduledAt) errs.scheduledAt = 'Choose a date and time.';
    const options = deliveryBody(
      { ...delivery, localOn: form.schedule === 'local' },
      new Set(form.templateIds).size,
    );
    if (!options.ok) Object.assign(errs, options.errors);
    setLocal(errs);
    if (Object.keys(errs).length || !options.ok) return;

    const audience: Audience =
      form.audience === 'import'
        ? { import_batch_id: form.importBatchId }
        : form.audience === 'custom_field'
          ? { custom_field: { key: form.fieldKey.trim(), value: form.fieldValue } }
          : form.audience === 'segments'
            ? {
                ...(form.include.length ? { include_segment_ids: form.include } : {}),
                ...(form.exclude.length ? { exclude_segment_ids: form.exclude } : {}),
              }
            : {};
    const json: Record<string, unknown> = {
      name: form.name.trim(),
      template_ids: form.templateIds,
      audience,
      quiet_hours_start: form.quietStart,
      quiet_hours_end: form.quietEnd,
      target_url: form.targetUrl.trim() || null,
      scheduled_at: scheduledAt,
      ab_test: options.ab_test,
      send_at_local: options.send_at_local,
    };
    if (form.numberIds.length) json.sending_number_ids = form.numberIds;
    setBusy(true);
    setError(null);
    try {
      const c = await api<Campaign>('/api/v1/campaigns', { json });
      toast('Campaign saved as a draft. Review it and launch.');
      route(`/campaigns/${c.id}`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const back = { href: '/campaigns', label: 'Campaigns' };
  if (!can('staff')) {
    return (
      <>
        <PageHeader title="New campaign" back={back} />
        <Notice>Your role can view campaigns but not create them.</Notice>
      </>
    );
  }
  if (loadError) {
    return (
      <>
        <PageHeader title="New campaign" back={back} />
        <ProblemAlert error={loadError} />
      </>
    );
  }
  if (!templates || !numbers) {
    return (
      <>
        <PageHeader title="New campaign" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const tz = me.value?.tenant.timezone ?? 'the tenant’s timezone';
  // Exact paths: `ab_test` is the test as a whole, its fields have their own.
  const deliveryError = (path: string) =>
    local[path] ??
    (error instanceof ApiProblem ? error.errors.find((e) => e.path === path)?.message : undefined);
  const templatesError = local.templates ?? server('template_ids');
  return (
    <>
      <PageHeader title="New campaign" back={back} />
      <form onSubmit={submit} noValidate>
        <ProblemAlert error={error} />
        <section class="card">
          <TextField
            label="Name"
            required
            value={form.name}
            onValue={set('name')}
            maxLength={200}
            error={local.name ?? server('name')}
          />
          <fieldset aria-describedby={`${ids}-tpl-hint`} aria-invalid={templatesError ? 'true' : undefined}>
            <legend>Templates (required)</legend>
            <p class="field-hint" id={`${ids}-tpl-hint`}>
              Choose two or more for an A/B split: each contact is assigned one template, always the same one,
              and the audience is shared evenly.
            </p>
            {templates.length === 0 ? (
              <p>
                No active templates. <a href="/templates/new">Write one first.</a>
              </p>
            ) : (
              <ul class="sending-checklist">
                {templates.map((t) => (
                  <li key={t.id}>
                    <label>
                      <input
                        type="checkbox"
                        checked={form.templateIds.includes(t.id)}
                        onChange={() => set('templateIds')(toggle(form.templateIds, t.id))}
                      />
                      <span>
                        <strong>{t.name}</strong>{' '}
                        <span class="muted sending-small">
                          {t.body.length > 70 ? `${t.body.slice(0, 69)}…` : t.body}
                        </span>
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            )}
            {form.templateIds.length > 1 && (
              <p class="sending-small">
                A/B split across {form.templateIds.length} templates, about{' '}
                {Math.round(100 / form.templateIds.length)}% of the audience each.
              </p>
            )}
            {templatesError && <p class="field-error">{templatesError}</p>}
          </fieldset>
          <AbTestFields
            form={delivery}
            set={setDelivered}
            error={deliveryError}
            templateCount={new Set(form.templateIds).size}
          />
        </section>

        <section class="card">
          <fieldset>
            <legend>Audience</legend>
            <div class="sending-radios">
              <label>
                <input
                  type="radio"
                  name="audience"
                  checked={form.audience === 'all'}
                  onChange={() => set('audience')('all')}
                />
                All eligible contacts
              </label>
              <label>
                <input
                  type="radio"
                  name="audience"
                  checked={form.audience === 'segments'}
                  onChange={() => set('audience')('segments')}
                />
                Segments: include some, exclude others
              </label>
              <label>
                <input
                  type="radio"
                  name="audience"
                  checked={form.audience === 'import'}
                  onChange={() => set('audience')('import')}
                />
                The contacts of one import
              </label>
              <label>
                <input
                  type="radio"
                  name="audience"
                  checked={form.audience === 'custom_field'}
                  onChange={() => set('audience')('custom_field')}
                />
                Contacts whose custom field has a value
              </label>
            </div>
            {form.audience === 'segments' && (
              <SegmentPicker
                segments={segments}
                include={form.include}
                exclude={form.exclude}
                onInclude={set('include')}
                onExclude={set('exclude')}
                error={local.segments ?? server('audience')}
              />
            )}
            {form.audience === 'import' && (
              <SelectField
                label="Import"
                required
                value={form.importBatchId}
                onValue={set('importBatchId')}
                error={local.import ?? server('audience.import_batch_id')}
                options={[
                  { value: '', label: imports.length ? 'Choose an import…' : 'No completed imports' },
                  ...imports.map((b) => ({
                    value: b.id,
                    label: `${b.file_name} · ${b.created_count + b.updated_count} contacts · ${formatDate(b.created_at)}`,
                  })),
                ]}
              />
            )}
            {form.audience === 'custom_field' && (
              <div class="grid-2">
                <TextField
                  label="Custom field"
                  required
                  value={form.fieldKey}
                  onValue={set('fieldKey')}
                  placeholder="plan"
                  error={local.fieldKey ?? server('audience.custom_field')}
                />
                <TextField
                  label="Equals"
                  value={form.fieldValue}
                  onValue={set('fieldValue')}
                  placeholder="gold"
                />
              </div>
            )}
            <p class="field-hint">
              Contacts without consent, on do-not-contact, recently messaged (suppression rules) or with an
              invalid number are excluded automatically; you see the counts before launching.
            </p>
          </fieldset>
        </section>

        <section class="card">
          <fieldset aria-describedby={`${ids}-quiet-hint`}>
            <legend>Quiet hours</legend>
            <p class="field-hint" id={`${ids}-quiet-hint`}>
              Nothing is sent between these times <strong>in each recipient’s own timezone</strong> (the
              contact’s timezone, or {tz} when it has none). Messages due in the window wait until it ends.
            </p>
            <div class="grid-2">
              <TimeInput
                label="No messages from"
                value={form.quietStart}
                onValue={set('quietStart')}
                error={local.quietStart ?? server('quiet_hours_start')}
              />
              <TimeInput
                label="Until"
                value={form.quietEnd}
                onValue={set('quietEnd')}
                error={local.quietEnd ?? server('quiet_hours_end')}
              />
            </div>
          </fieldset>
          <TextField
            label="Target URL"
            type="url"
            value={form.targetUrl}
            onValue={set('targetUrl')}
            placeholder="https://example.com/offer"
            hint="Where {{link}} leads. Every recipient gets a personal short link, so clicks are counted per person."
            error={local.targetUrl ?? server('target_url')}
          />
        </section>

        <section class="card">
          <fieldset>
            <legend>When</legend>
            <div class="sending-radios">
              <label>
                <input
                  type="radio"
                  name="schedule"
                  checked={form.schedule === 'launch'}
                  onChange={() => set('schedule')('launch')}
                />
                As soon as I launch it
              </label>
              <label>
                <input
                  type="radio"
                  name="schedule"
                  checked={form.schedule === 'at'}
                  onChange={() => set('schedule')('at')}
                />
                At a scheduled time (after launch)
              </label>
              <label>
                <input
                  type="radio"
                  name="schedule"
                  checked={form.schedule === 'local'}
                  onChange={() => set('schedule')('local')}
                />
                At a local time in each recipient’s timezone
              </label>
            </div>
            {form.schedule === 'local' && (
              <LocalTimeFields form={delivery} set={setDelivered} error={deliveryError} tz={tz} />
            )}
            {form.schedule === 'at' && (
              <TextField
                label="Start at (your local time)"
                type="datetime-local"
                required
                value={form.scheduledAt}
                onValue={set('scheduledAt')}
                error={local.scheduledAt ?? server('scheduled_at')}
              />
            )}
          </fieldset>
          <fieldset>
            <legend>Sending numbers</legend>
            {numbers.length === 0 ? (
              <p>
                No active sending numbers.{' '}
                {can('admin') ? <a href="/sending-numbers">Add one.</a> : 'Ask an admin to add one.'}
              </p>
            ) : (
              <>
                <p class="field-hint">None ticked: all active numbers share the sending.</p>
                <ul class="sending-checklist">
                  {numbers.map((n) => (
                    <li key={n.id}>
                      <label>
                        <input
                          type="checkbox"
                          checked={form.numberIds.includes(n.id)}
                          onChange={() => set('numberIds')(toggle(form.numberIds, n.id))}
                        />
                        <span class="mono">{n.label}</span>
                        <span class="muted sending-small">
                          {n.per_minute_limit}/min · {n.daily_limit}/day
                        </span>
                      </label>
                    </li>
                  ))}
                </ul>
              </>
            )}
            {server('sending_number_ids') && <p class="field-error">{server('sending_number_ids')}</p>}
          </fieldset>
        </section>
        <div class="actions">
          <Button type="submit" variant="primary" busy={busy}>
            Save draft and review
          </Button>
          <ButtonLink href="/campaigns">Cancel</ButtonLink>
        </div>
      </form>
    </>
  );
}
