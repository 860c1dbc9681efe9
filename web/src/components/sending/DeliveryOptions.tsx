// A draft's A/B test and local-time delivery, editable before launch (issue 12): a duplicated
// campaign keeps its local date, which may need moving before it can launch.
import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api } from '../../api';
import { Button } from '../Button';
import { ProblemAlert, toast } from '../Status';
import {
  AbTestFields,
  type DeliveryForm,
  deliveryBody,
  deliveryFromCampaign,
  LocalTimeFields,
} from './DeliveryFields';
import type { Campaign } from './types';

export function DeliveryOptions({
  campaign,
  tz,
  onSaved,
}: {
  campaign: Campaign;
  tz: string;
  onSaved: (c: Campaign) => void;
}) {
  const [form, setForm] = useState<DeliveryForm>(() => deliveryFromCampaign(campaign));
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Reset when another campaign is shown.
  useEffect(() => setForm(deliveryFromCampaign(campaign)), [campaign.id]);
  const set =
    <K extends keyof DeliveryForm>(k: K) =>
    (v: DeliveryForm[K]) =>
      setForm((f) => ({ ...f, [k]: v }));
  const errorAt = (path: string) =>
    local[path] ??
    (error instanceof ApiProblem ? error.errors.find((e) => e.path === path)?.message : undefined);
  const templateCount = new Set(campaign.template_ids).size;

  const save = async (e: Event) => {
    e.preventDefault();
    const body = deliveryBody(form, templateCount);
    setLocal(body.ok ? {} : body.errors);
    if (!body.ok) return;
    setBusy(true);
    setError(null);
    try {
      const json: Record<string, unknown> = { ab_test: body.ab_test, send_at_local: body.send_at_local };
      // A local time replaces a start time.
      if (body.send_at_local && campaign.scheduled_at) json.scheduled_at = null;
      const updated = await api<Campaign>(`/api/v1/campaigns/${campaign.id}`, { method: 'PATCH', json });
      toast('Delivery options saved.');
      onSaved(updated);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="delivery-title" data-testid="delivery-options">
      <h2 id="delivery-title">Delivery options</h2>
      <form onSubmit={save} noValidate>
        <ProblemAlert error={error} />
        <AbTestFields form={form} set={set} error={errorAt} templateCount={templateCount} />
        <fieldset class="sending-delivery">
          <legend>Local-time delivery</legend>
          <label class="sending-inline-check">
            <input
              type="checkbox"
              checked={form.localOn}
              onChange={(e) => set('localOn')((e.currentTarget as HTMLInputElement).checked)}
            />
            Deliver at a local time in each recipient’s timezone
            {campaign.scheduled_at ? ' (replaces the scheduled start)' : ''}
          </label>
          {form.localOn && <LocalTimeFields form={form} set={set} error={errorAt} tz={tz} />}
        </fieldset>
        <div class="actions">
          <Button type="submit" busy={busy}>
            Save delivery options
          </Button>
        </div>
      </form>
    </section>
  );
}
