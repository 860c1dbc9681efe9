// Form fields for an A/B test with a winner and for local-time delivery (issue 12), shared by the
// new-campaign form and a draft's "Delivery options" card. The values stay strings while edited;
// `deliveryBody` turns them into the API's `ab_test` and `send_at_local` (or field errors).
import { Field, SelectField, TextField } from '../Field';
import type { AbMetric, AbTest, Campaign, SendAtLocal } from './types';

export type DeliveryForm = {
  abOn: boolean;
  abShare: string;
  abWaitHours: string;
  abMetric: AbMetric;
  localOn: boolean;
  localDate: string;
  localTime: string;
  ifPassed: SendAtLocal['if_passed'];
};

export const DELIVERY_INITIAL: DeliveryForm = {
  abOn: false,
  abShare: '20',
  abWaitHours: '4',
  abMetric: 'human_click_rate',
  localOn: false,
  localDate: '',
  localTime: '10:00',
  ifPassed: 'next_day',
};

/** The form as a campaign has it. */
export function deliveryFromCampaign(c: Campaign): DeliveryForm {
  return {
    abOn: !!c.ab_test,
    abShare: String(c.ab_test?.test_share_percent ?? DELIVERY_INITIAL.abShare),
    abWaitHours: c.ab_test ? String(c.ab_test.wait_minutes / 60) : DELIVERY_INITIAL.abWaitHours,
    abMetric: c.ab_test?.metric ?? DELIVERY_INITIAL.abMetric,
    localOn: !!c.send_at_local,
    localDate: c.send_at_local?.date ?? '',
    localTime: c.send_at_local?.time ?? DELIVERY_INITIAL.localTime,
    ifPassed: c.send_at_local?.if_passed ?? DELIVERY_INITIAL.ifPassed,
  };
}

/** `{ab_test, send_at_local}` for the API, or the fields that need fixing (keyed by API path). */
export function deliveryBody(
  f: DeliveryForm,
  templateCount: number,
):
  | { ok: true; ab_test: AbTest | null; send_at_local: SendAtLocal | null }
  | { ok: false; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  let ab: AbTest | null = null;
  if (f.abOn) {
    const share = Number(f.abShare);
    const hours = Number(f.abWaitHours);
    if (templateCount < 2) errors.ab_test = 'Choose at least two templates to test against each other.';
    if (!Number.isInteger(share) || share < 5 || share > 50)
      errors['ab_test.test_share_percent'] = 'Enter a whole percentage from 5 to 50.';
    if (!Number.isFinite(hours) || hours < 1 || hours > 72)
      errors['ab_test.wait_minutes'] = 'Enter a wait from 1 to 72 hours.';
    ab = { test_share_percent: share, wait_minutes: Math.round(hours * 60), metric: f.abMetric };
  }
  let local: SendAtLocal | null = null;
  if (f.localOn) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(f.localDate)) errors['send_at_local.date'] = 'Choose a date.';
    if (!/^\d{2}:\d{2}$/.test(f.localTime)) errors['send_at_local.time'] = 'Enter a time.';
    local = { date: f.localDate, time: f.localTime, if_passed: f.ifPassed };
  }
  return Object.keys(errors).length ? { ok: false, errors } : { ok: true, ab_test: ab, send_at_local: local };
}

type Props = {
  form: DeliveryForm;
  set: <K extends keyof DeliveryForm>(k: K) => (v: DeliveryForm[K]) => void;
  /** The message for an API path (local checks first, then the server's). */
  error: (path: string) => string | undefined;
};

/** "Test first, then send the winner": share, wait and metric, explained. */
export function AbTestFields({ form, set, error, templateCount }: Props & { templateCount: number }) {
  const share = Number(form.abShare);
  const shareOk = Number.isFinite(share) && share >= 5 && share <= 50;
  return (
    <fieldset class="sending-delivery" data-testid="ab-test-fields">
      <legend>A/B test with a winner</legend>
      <label class="sending-inline-check">
        <input
          type="checkbox"
          checked={form.abOn}
          disabled={templateCount < 2 && !form.abOn}
          onChange={(e) => set('abOn')((e.currentTarget as HTMLInputElement).checked)}
        />
        Test the templates on part of the audience first, then send only the winner to everyone else
      </label>
      {templateCount < 2 && !form.abOn && (
        <p class="field-hint">Choose two or more templates to run a test.</p>
      )}
      {error('ab_test') && <p class="field-error">{error('ab_test')}</p>}
      {form.abOn && (
        <>
          <div class="grid-2">
            <TextField
              label="Test group (% of the audience)"
              type="number"
              min={5}
              max={50}
              step={1}
              value={form.abShare}
              onValue={set('abShare')}
              hint="5–50%. Each template goes to an equal part of this group."
              error={error('ab_test.test_share_percent')}
            />
            <TextField
              label="Wait before picking (hours)"
              type="number"
              min={1}
              max={72}
              step={0.5}
              value={form.abWaitHours}
              onValue={set('abWaitHours')}
              hint="1–72 hours, counted from the last test message sent."
              error={error('ab_test.wait_minutes')}
            />
          </div>
          <SelectField
            label="The winner is the template with the best"
            value={form.abMetric}
            onValue={(v) => set('abMetric')(v as AbMetric)}
            options={[
              {
                value: 'human_click_rate',
                label: 'Human click rate (people who clicked their link ÷ messages sent)',
              },
              { value: 'delivery_rate', label: 'Delivery rate (delivered ÷ messages sent)' },
            ]}
            hint="Without a {{link}} in any template, the delivery rate decides. A tie goes to the cheaper template (fewer parts)."
          />
          <p class="field-hint" data-testid="ab-summary">
            {shareOk
              ? `About ${share}% of the audience get one of the ${templateCount} templates; the other ${100 - share}% get the winner once it is picked. Nobody gets both.`
              : 'Nobody gets both a test message and the winner.'}
          </p>
        </>
      )}
    </fieldset>
  );
}

/** "At 10:00 on this date in each recipient's own timezone", explained. */
export function LocalTimeFields({ form, set, error, tz }: Props & { tz: string }) {
  return (
    <div class="sending-delivery" data-testid="local-time-fields">
      <p class="field-hint">
        Each recipient gets it when <strong>their own clock</strong> shows this time on this date: the
        contact’s timezone, or {tz} when it has none. Quiet hours still apply: a time inside them waits until
        they end. The campaign starts itself in time once launched.
      </p>
      <div class="grid-2">
        <TextField
          label="Date"
          type="date"
          required
          value={form.localDate}
          onValue={set('localDate')}
          error={error('send_at_local.date')}
        />
        <Field24 value={form.localTime} onValue={set('localTime')} error={error('send_at_local.time')} />
      </div>
      <fieldset>
        <legend>If that time has already passed for someone when sending starts</legend>
        <div class="sending-radios">
          <label>
            <input
              type="radio"
              name="if-passed"
              checked={form.ifPassed === 'next_day'}
              onChange={() => set('ifPassed')('next_day')}
            />
            Send it at the same time the next day
          </label>
          <label>
            <input
              type="radio"
              name="if-passed"
              checked={form.ifPassed === 'skip'}
              onChange={() => set('ifPassed')('skip')}
            />
            Skip them (counted as skipped; the review before launch says how many)
          </label>
        </div>
      </fieldset>
    </div>
  );
}

function Field24({ value, onValue, error }: { value: string; onValue: (v: string) => void; error?: string }) {
  return (
    <Field label="Local time" required error={error}>
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

const METRIC_LABEL: Record<AbMetric, string> = {
  human_click_rate: 'human click rate',
  delivery_rate: 'delivery rate',
};

export function metricLabel(m: AbMetric): string {
  return METRIC_LABEL[m];
}

/** "20% test group; the winner by human click rate, 4 h after the last test message." */
export function abText(ab: AbTest): string {
  const h = ab.wait_minutes / 60;
  return `${ab.test_share_percent}% test group; the winner by ${METRIC_LABEL[ab.metric]}, ${Number.isInteger(h) ? h : h.toFixed(1)} h after the last test message`;
}

/** "10:00 on 2026-12-01 in each recipient's timezone; passed → the next day." */
export function localText(s: SendAtLocal): string {
  const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${s.date}T00:00:00Z`),
  );
  return `${s.time} on ${date} in each recipient’s own timezone; where that time has passed: ${
    s.if_passed === 'skip' ? 'skipped' : 'the next day'
  }`;
}
