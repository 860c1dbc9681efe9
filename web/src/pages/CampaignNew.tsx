// New campaign: the form (templates, audience, quiet hours, target URL, when, numbers, A/B test and
// local-time delivery), saved as a draft to review and launch. The field groups live in
// components/campaign-form/.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiProblem, api, type Page } from '../api';
import { Button, ButtonLink } from '../components/Button';
import { AudienceFields } from '../components/campaign-form/AudienceFields';
import { CAMPAIGN_INITIAL, type CampaignForm } from '../components/campaign-form/form';
import { NumberChoice } from '../components/campaign-form/NumberChoice';
import { QuietHoursFields } from '../components/campaign-form/QuietHoursFields';
import { TemplateChoice } from '../components/campaign-form/TemplateChoice';
import { TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { Notice, ProblemAlert, toast } from '../components/Status';
import {
  AbTestFields,
  DELIVERY_INITIAL,
  type DeliveryForm,
  deliveryBody,
  LocalTimeFields,
} from '../components/sending/DeliveryFields';
import type { Audience, Campaign, SendingNumber, Template } from '../components/sending/types';
import { fromLocalInput } from '../format';
import { can, me } from '../session';
import type { ImportBatch, Segment } from '../types';
import '../sending.css';

export function CampaignNew() {
  const { route } = useLocation();
  const [form, setForm] = useState<CampaignForm>(CAMPAIGN_INITIAL);
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [numbers, setNumbers] = useState<SendingNumber[] | null>(null);
  const [imports, setImports] = useState<ImportBatch[]>([]);
  const [segments, setSegments] = useState<Segment[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [delivery, setDelivery] = useState<DeliveryForm>(DELIVERY_INITIAL);
  const setDelivered =
    <K extends keyof DeliveryForm>(k: K) =>
    (v: DeliveryForm[K]) =>
      setDelivery((f) => ({ ...f, [k]: v }));
  const set =
    <K extends keyof CampaignForm>(k: K) =>
    (v: CampaignForm[K]) =>
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
          <TemplateChoice templates={templates} form={form} set={set} error={templatesError} />
          <AbTestFields
            form={delivery}
            set={setDelivered}
            error={deliveryError}
            templateCount={new Set(form.templateIds).size}
          />
        </section>

        <section class="card">
          <AudienceFields
            form={form}
            set={set}
            imports={imports}
            segments={segments}
            local={local}
            server={server}
          />
        </section>

        <section class="card">
          <QuietHoursFields form={form} set={set} tz={tz} local={local} server={server} />
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
          <NumberChoice numbers={numbers} form={form} set={set} server={server} />
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
