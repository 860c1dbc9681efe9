import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../../api';
import { Button } from '../Button';
import { CheckboxField, SelectField, TextField } from '../Field';
import { ProblemAlert, toast } from '../Status';
import type { AcmaStatus, SenderKind, SendingNumber } from './types';

type Form = {
  kind: SenderKind;
  phone: string;
  serviceSid: string;
  senderId: string;
  acma: AcmaStatus;
  daily: string;
  perMinute: string;
  warmup: string;
  active: boolean;
};

const EMPTY: Form = {
  kind: 'phone',
  phone: '',
  serviceSid: '',
  senderId: '',
  acma: 'unregistered',
  daily: '3000',
  perMinute: '60',
  warmup: '',
  active: true,
};

export const ACMA_LABELS: Record<AcmaStatus, string> = {
  unregistered: 'Not registered',
  pending: 'Registration pending',
  registered: 'Registered',
  rejected: 'Registration rejected',
};

export const KIND_LABELS: Record<SenderKind, string> = {
  phone: 'Phone number',
  messaging_service: 'Messaging Service',
  alphanumeric: 'Alphanumeric sender ID',
};

const KIND_CHOICES: Record<SenderKind, string> = {
  phone: 'A phone number of your Twilio account (two-way)',
  messaging_service: 'A Twilio Messaging Service (two-way; Twilio picks the number)',
  alphanumeric: 'An alphanumeric sender ID, e.g. DemoCoffee (one-way)',
};

function formOf(n: SendingNumber): Form {
  return {
    ...EMPTY,
    kind: n.kind,
    phone: n.phone ?? '',
    serviceSid: n.messaging_service_sid ?? '',
    senderId: n.sender_id ?? '',
    acma: n.acma_status ?? 'unregistered',
    daily: String(n.daily_limit),
    perMinute: String(n.per_minute_limit),
    warmup: n.warmup_start_date?.slice(0, 10) ?? '',
    active: n.is_active,
  };
}

const positiveInt = (s: string) => /^\d+$/.test(s.trim()) && Number(s) > 0;

/** The server's rules (workers/domain/senders.ts), for an answer while typing. */
function senderIdProblem(id: string): string | undefined {
  if (!id) return 'Enter the name recipients will see.';
  if (id.length > 11) return `At most 11 characters; this has ${id.length}.`;
  const bad = [...id].find((ch) => !/^[A-Za-z0-9 ]$/.test(ch));
  if (bad !== undefined) return `Only letters A–Z, digits and spaces; "${bad}" is not allowed.`;
  if (!/[A-Za-z]/.test(id)) return 'Needs at least one letter.';
  if (id !== id.trim()) return 'Cannot start or end with a space.';
  return undefined;
}

/** Add a sender of any kind, or edit one's limits (and an alphanumeric ID's ACMA status). */
export function SenderForm({
  editing,
  onDone,
  onCancel,
}: {
  editing: SendingNumber | null;
  onDone: (n: SendingNumber) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<Form>(editing ? formOf(editing) : EMPTY);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof Form>(k: K) =>
    (v: Form[K]) =>
      setForm({ ...form, [k]: v });
  const server = (f: string) => (error instanceof ApiProblem ? error.fieldError(f) : undefined);
  const kind = form.kind;

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!editing) {
      if (kind === 'phone' && !form.phone.trim())
        errs.phone = 'Enter the number in international format, like +61400000000.';
      if (kind === 'messaging_service' && !/^MG[0-9a-fA-F]{32}$/.test(form.serviceSid.trim()))
        errs.serviceSid = 'A Messaging Service SID starts with MG and has 34 characters.';
      if (kind === 'alphanumeric') {
        const p = senderIdProblem(form.senderId);
        if (p) errs.senderId = p;
      }
    }
    if (!positiveInt(form.daily)) errs.daily = 'Enter a whole number above 0.';
    if (!positiveInt(form.perMinute)) errs.perMinute = 'Enter a whole number above 0.';
    setLocal(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setError(null);
    const settings = {
      daily_limit: Number(form.daily),
      per_minute_limit: Number(form.perMinute),
      warmup_start_date: form.warmup || null,
      is_active: form.active,
      ...(kind === 'alphanumeric' ? { acma_status: form.acma } : {}),
    };
    // A sender's identity is set once, never patched.
    const identity =
      kind === 'phone'
        ? { phone: form.phone.trim() }
        : kind === 'messaging_service'
          ? { messaging_service_sid: form.serviceSid.trim() }
          : { sender_id: form.senderId };
    try {
      const n = editing
        ? await api<SendingNumber>(`/api/v1/sending-numbers/${editing.id}`, {
            method: 'PATCH',
            json: settings,
          })
        : await api<SendingNumber>('/api/v1/sending-numbers', {
            json: { kind, provider: 'twilio', ...identity, ...settings },
          });
      toast(
        editing
          ? 'Sender saved.'
          : kind === 'phone'
            ? `${n.label} added. Twilio now sends its replies to us.`
            : kind === 'messaging_service'
              ? `${n.label} added. Twilio now sends the service's replies to us.`
              : `Sender ID ${n.label} added.`,
      );
      onDone(n);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = editing ? `Edit ${editing.label}` : 'Add a sender';
  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="number-form-title">
      <h2 id="number-form-title">{title}</h2>
      <ProblemAlert error={error} />
      {!editing && (
        <fieldset>
          <legend>Kind of sender</legend>
          <div class="sending-radios">
            {(['phone', 'messaging_service', 'alphanumeric'] as const).map((k) => (
              <label key={k}>
                <input type="radio" name="sender-kind" checked={kind === k} onChange={() => set('kind')(k)} />
                {KIND_CHOICES[k]}
              </label>
            ))}
          </div>
        </fieldset>
      )}
      <div class="grid-2">
        {kind === 'phone' && (
          <TextField
            label="Phone number"
            type="tel"
            required
            readOnly={editing !== null}
            autocomplete="off"
            value={form.phone}
            onValue={set('phone')}
            hint={
              editing
                ? 'A number cannot be changed; add a new one instead.'
                : 'A number of your Twilio account, e.g. +61400000000. We point its replies at us.'
            }
            error={local.phone ?? server('phone') ?? server('credentials')}
          />
        )}
        {kind === 'messaging_service' && (
          <TextField
            label="Messaging Service SID"
            required
            readOnly={editing !== null}
            autocomplete="off"
            value={form.serviceSid}
            onValue={set('serviceSid')}
            placeholder="MG…"
            hint="Twilio picks the number from the service. We point the service’s replies at us."
            error={local.serviceSid ?? server('messaging_service_sid') ?? server('credentials')}
          />
        )}
        {kind === 'alphanumeric' && (
          <>
            <TextField
              label="Sender ID"
              required
              readOnly={editing !== null}
              autocomplete="off"
              maxLength={11}
              value={form.senderId}
              onValue={set('senderId')}
              hint="The name recipients see, e.g. DemoCoffee: 1–11 letters, digits or spaces, at least one letter. Recipients cannot reply to it; messages carry an opt-out link instead."
              error={local.senderId ?? server('sender_id')}
            />
            <SelectField
              label="ACMA Sender ID Register"
              value={form.acma}
              onValue={(v) => set('acma')(v as AcmaStatus)}
              options={(Object.keys(ACMA_LABELS) as AcmaStatus[]).map((v) => ({
                value: v,
                label: ACMA_LABELS[v],
              }))}
              hint="Australian carriers show unregistered IDs as “Unverified”. Record what Twilio or ACMA Assist told you."
              error={server('acma_status')}
            />
          </>
        )}
        <TextField
          label="Warm-up start date"
          type="date"
          value={form.warmup}
          onValue={set('warmup')}
          hint="A new sender ramps up: 100, 250, 500, 750, 1500, 2250, 3000 a day, then its daily limit. Empty: no warm-up."
          error={server('warmup_start_date')}
        />
        <TextField
          label="Daily limit"
          type="number"
          inputMode="numeric"
          min={1}
          required
          value={form.daily}
          onValue={set('daily')}
          error={local.daily ?? server('daily_limit')}
        />
        <TextField
          label="Per-minute limit"
          type="number"
          inputMode="numeric"
          min={1}
          required
          value={form.perMinute}
          onValue={set('perMinute')}
          error={local.perMinute ?? server('per_minute_limit')}
        />
      </div>
      <CheckboxField
        label="Active"
        hint="Inactive senders send nothing; campaigns use the other senders."
        checked={form.active}
        onChecked={set('active')}
      />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {editing ? 'Save sender' : kind === 'alphanumeric' ? 'Add sender ID' : 'Check with Twilio and add'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}
