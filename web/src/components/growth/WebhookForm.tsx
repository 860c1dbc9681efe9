import { useState } from 'preact/hooks';
import { ApiProblem, saveResource } from '../../api';
import { WEBHOOK_EVENTS, type Webhook, type WebhookEventType } from '../../growth';
import { Button } from '../Button';
import { CheckboxField, TextField } from '../Field';
import { ProblemAlert } from '../Status';

/** Create or edit an endpoint: its https URL, a note, and the events it receives. */
export function WebhookForm({
  webhook,
  onSaved,
  onCancel,
}: {
  webhook?: Webhook;
  onSaved: (w: Webhook) => void;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState(webhook?.url ?? 'https://');
  const [description, setDescription] = useState(webhook?.description ?? '');
  const [events, setEvents] = useState<Set<WebhookEventType>>(new Set(webhook?.events ?? []));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fe = (path: string) => (error instanceof ApiProblem ? error.fieldError(path) : undefined);

  const toggle = (type: WebhookEventType, on: boolean) => {
    const next = new Set(events);
    if (on) next.add(type);
    else next.delete(type);
    setEvents(next);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const json = { url: url.trim(), description: description.trim() || null, events: [...events] };
    try {
      onSaved(await saveResource<Webhook>('/api/v1/webhooks', webhook, json));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-label={webhook ? 'Edit endpoint' : 'New endpoint'}>
      {error && !fe('url') && !fe('events') ? <ProblemAlert error={error} /> : null}
      <TextField
        label="Endpoint URL"
        type="url"
        required
        hint="https only; it must be reachable from the internet (private and local addresses are refused)."
        value={url}
        onValue={setUrl}
        error={fe('url')}
        maxLength={2000}
      />
      <TextField
        label="Description (optional)"
        hint="What receives it, e.g. “CRM sync”."
        value={description}
        onValue={setDescription}
        maxLength={200}
      />
      <fieldset class="fieldset-plain">
        <legend>Events</legend>
        {fe('events') && <p class="field-error">{fe('events')}</p>}
        <Button small variant="link" onClick={() => setEvents(new Set(WEBHOOK_EVENTS.map((x) => x.type)))}>
          Select all
        </Button>
        {WEBHOOK_EVENTS.map((ev) => (
          <CheckboxField
            key={ev.type}
            label={
              <>
                <code>{ev.type}</code> {ev.label}
                {ev.hint ? <span class="muted"> ({ev.hint})</span> : null}
              </>
            }
            checked={events.has(ev.type)}
            onChecked={(on) => toggle(ev.type, on)}
          />
        ))}
      </fieldset>
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {webhook ? 'Save endpoint' : 'Create endpoint'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

/** The platform switched this endpoint off: say so, why, and what to do. */
export function DisabledBanner({ webhook, link }: { webhook: Webhook; link?: boolean }) {
  if (!webhook.disabled_at) return null;
  return (
    <div class="alert alert--error" role="alert">
      <p class="alert__title">
        Switched off:{' '}
        {link ? <a href={`/integrations/webhooks/${webhook.id}`}>{webhook.url}</a> : webhook.url}
      </p>
      <p>{webhook.disabled_reason}</p>
      <p>
        Nothing is sent to it until you switch it back on. Fix the receiver, send a test event, switch it on,
        then retry the failed deliveries you need.
      </p>
    </div>
  );
}
