import { useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { EmptyState } from '../components/EmptyState';
import { CheckboxField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { LoadMore, usePagedList } from '../components/LoadMore';
import { Badge, Notice, ProblemAlert, toast } from '../components/Status';
import { NumberUsageCell } from '../components/sending/NumberUsageCell';
import type { SendingNumber } from '../components/sending/types';
import { formatDate, formatNumber } from '../format';
import { can } from '../session';
import '../sending.css';

type Form = { phone: string; daily: string; perMinute: string; warmup: string; active: boolean };

const EMPTY: Form = { phone: '', daily: '3000', perMinute: '60', warmup: '', active: true };

function formOf(n: SendingNumber): Form {
  return {
    phone: n.phone,
    daily: String(n.daily_limit),
    perMinute: String(n.per_minute_limit),
    warmup: n.warmup_start_date?.slice(0, 10) ?? '',
    active: n.is_active,
  };
}

const positiveInt = (s: string) => /^\d+$/.test(s.trim()) && Number(s) > 0;

function NumberForm({
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

  const submit = async (e: Event) => {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!form.phone.trim()) errs.phone = 'Enter the number in international format, like +61400000000.';
    if (!positiveInt(form.daily)) errs.daily = 'Enter a whole number above 0.';
    if (!positiveInt(form.perMinute)) errs.perMinute = 'Enter a whole number above 0.';
    setLocal(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setError(null);
    const limits = {
      daily_limit: Number(form.daily),
      per_minute_limit: Number(form.perMinute),
      warmup_start_date: form.warmup || null,
      is_active: form.active,
    };
    // The phone number is the number's identity: it is set once, never patched.
    const json = editing ? limits : { phone: form.phone.trim(), provider: 'twilio', ...limits };
    try {
      const n = editing
        ? await api<SendingNumber>(`/api/v1/sending-numbers/${editing.id}`, { method: 'PATCH', json })
        : await api<SendingNumber>('/api/v1/sending-numbers', { json });
      toast(editing ? 'Sending number saved.' : 'Sending number added.');
      onDone(n);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="card" onSubmit={submit} noValidate aria-labelledby="number-form-title">
      <h2 id="number-form-title">{editing ? `Edit ${editing.phone}` : 'Add a sending number'}</h2>
      <ProblemAlert error={error} />
      <div class="grid-2">
        <TextField
          label="Phone number"
          type="tel"
          required
          readOnly={editing !== null}
          autocomplete="off"
          value={form.phone}
          onValue={set('phone')}
          hint={editing ? 'A number cannot be changed; add a new one instead.' : 'E.164, e.g. +61400000000'}
          error={local.phone ?? server('phone')}
        />
        <TextField
          label="Warm-up start date"
          type="date"
          value={form.warmup}
          onValue={set('warmup')}
          hint="A new number ramps up: 100, 250, 500, 750, 1500, 2250, 3000 a day, then its daily limit. Empty: no warm-up."
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
        hint="Inactive numbers send nothing; campaigns use the other numbers."
        checked={form.active}
        onChecked={set('active')}
      />
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          {editing ? 'Save number' : 'Add number'}
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

export function SendingNumbers() {
  const list = usePagedList<SendingNumber>('/api/v1/sending-numbers');
  const isAdmin = can('admin');
  const [editing, setEditing] = useState<SendingNumber | 'new' | null>(null);

  const done = (n: SendingNumber) => {
    list.setItems((items) =>
      items.some((x) => x.id === n.id) ? items.map((x) => (x.id === n.id ? n : x)) : [n, ...items],
    );
    setEditing(null);
  };

  return (
    <>
      <PageHeader title="Sending numbers">
        {isAdmin && editing === null && (
          <Button variant="primary" onClick={() => setEditing('new')}>
            Add number
          </Button>
        )}
      </PageHeader>
      {!isAdmin && <Notice>Only admins can add or change sending numbers.</Notice>}
      {editing !== null && (
        <NumberForm
          key={editing === 'new' ? 'new' : editing.id}
          editing={editing === 'new' ? null : editing}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      )}
      <ProblemAlert error={list.error} />
      {!list.loading && !list.error && list.items.length === 0 ? (
        <EmptyState title="No sending numbers yet.">
          <p>Campaigns need at least one active number to send from.</p>
        </EmptyState>
      ) : (
        <>
          <ul class="sending-cards sending-plain">
            {list.items.map((n) => (
              <li key={n.id} class="card">
                <h2 id={`num-${n.id}`} class="mono sending-number">
                  {n.phone} {n.is_active ? <Badge tone="success">Active</Badge> : <Badge>Inactive</Badge>}
                </h2>
                <dl class="sending-mini">
                  <div>
                    <dt>Daily limit</dt>
                    <dd>{formatNumber(n.daily_limit)}</dd>
                  </div>
                  <div>
                    <dt>Per minute</dt>
                    <dd>{formatNumber(n.per_minute_limit)}</dd>
                  </div>
                  <div>
                    <dt>Warm-up from</dt>
                    <dd>{n.warmup_start_date ? formatDate(n.warmup_start_date) : 'None'}</dd>
                  </div>
                </dl>
                <NumberUsageCell id={n.id} />
                {isAdmin && (
                  <div class="actions">
                    <Button small onClick={() => setEditing(n)} aria-label={`Edit ${n.phone}`}>
                      Edit
                    </Button>
                  </div>
                )}
              </li>
            ))}
          </ul>
          <LoadMore list={list} noun="numbers" />
        </>
      )}
    </>
  );
}
