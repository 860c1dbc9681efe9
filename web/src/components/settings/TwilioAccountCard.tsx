import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api } from '../../api';
import { formatDateTime } from '../../format';
import { Button } from '../Button';
import { ConfirmDialog } from '../ConfirmDialog';
import { Field, TextField } from '../Field';
import { Badge, ProblemAlert, toast } from '../Status';

/** GET/PUT/DELETE /api/v1/tenant/twilio: never carries a secret, only hints. */
export type TwilioAccount = {
  source: 'tenant' | 'platform' | 'none';
  account_sid: string | null;
  credential_kind: 'auth_token' | 'api_key' | null;
  credential_hint: string | null;
  api_key_sid: string | null;
  auth_token_hint: string | null;
  previous_token_accepted_until: string | null;
  verified_at: string | null;
  senders_on_account: number;
};

type Kind = 'auth_token' | 'api_key';
type Form = { kind: Kind; accountSid: string; authToken: string; apiKeySid: string; apiKeySecret: string };
const EMPTY: Form = { kind: 'api_key', accountSid: '', authToken: '', apiKeySid: '', apiKeySecret: '' };

/** A password-style input: secrets are typed or pasted, never shown back or autofilled. */
function SecretField(props: {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  error?: string;
}) {
  return (
    <Field label={props.label} hint={props.hint} error={props.error} required>
      {(p) => (
        <input
          {...p}
          type="password"
          autocomplete="new-password"
          spellcheck={false}
          value={props.value}
          onInput={(e) => props.onValue((e.currentTarget as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
}

function CredentialsForm({
  current,
  onSaved,
  onCancel,
}: {
  current: TwilioAccount;
  onSaved: (a: TwilioAccount) => void;
  onCancel: () => void;
}) {
  const [form, setForm] = useState<Form>({
    ...EMPTY,
    kind: current.credential_kind ?? 'api_key',
    accountSid: current.account_sid ?? '',
    apiKeySid: current.api_key_sid ?? '',
  });
  const [local, setLocal] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set =
    <K extends keyof Form>(k: K) =>
    (v: Form[K]) =>
      setForm({ ...form, [k]: v });
  const err = (path: string, key = path) =>
    local[key] ?? (error instanceof ApiProblem ? error.fieldError(path) : undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    const f = {
      accountSid: form.accountSid.trim(),
      authToken: form.authToken.trim(),
      apiKeySid: form.apiKeySid.trim(),
      apiKeySecret: form.apiKeySecret.trim(),
    };
    const errs: Record<string, string> = {};
    if (!/^AC[0-9a-fA-F]{32}$/.test(f.accountSid))
      errs.account_sid =
        'The Account SID starts with AC and has 34 characters (Twilio Console → Account info).';
    if (!f.authToken) errs.auth_token = 'Enter the auth token.';
    if (form.kind === 'api_key') {
      if (!/^SK[0-9a-fA-F]{32}$/.test(f.apiKeySid))
        errs.api_key_sid = 'An API key SID starts with SK and has 34 characters.';
      if (!f.apiKeySecret) errs.api_key_secret = 'Enter the secret shown when the key was created.';
    }
    setLocal(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    setError(null);
    const json =
      form.kind === 'api_key'
        ? {
            account_sid: f.accountSid,
            api_key_sid: f.apiKeySid,
            api_key_secret: f.apiKeySecret,
            auth_token: f.authToken,
          }
        : { account_sid: f.accountSid, auth_token: f.authToken };
    try {
      const saved = await api<TwilioAccount>('/api/v1/tenant/twilio', { method: 'PUT', json });
      toast('Twilio accepted the credentials. They are saved.');
      onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Twilio credentials">
      <ProblemAlert error={error} />
      <fieldset>
        <legend>How we call Twilio</legend>
        <div class="sending-radios">
          <label>
            <input
              type="radio"
              name="credential-kind"
              checked={form.kind === 'api_key'}
              onChange={() => set('kind')('api_key')}
            />
            API key (recommended: you can revoke it on its own)
          </label>
          <label>
            <input
              type="radio"
              name="credential-kind"
              checked={form.kind === 'auth_token'}
              onChange={() => set('kind')('auth_token')}
            />
            Auth token only
          </label>
        </div>
      </fieldset>
      <TextField
        label="Account SID"
        required
        autocomplete="off"
        value={form.accountSid}
        onValue={set('accountSid')}
        placeholder="AC…"
        error={err('account_sid')}
      />
      {form.kind === 'api_key' && (
        <div class="grid-2">
          <TextField
            label="API key SID"
            required
            autocomplete="off"
            value={form.apiKeySid}
            onValue={set('apiKeySid')}
            placeholder="SK…"
            error={err('api_key_sid')}
          />
          <SecretField
            label="API key secret"
            value={form.apiKeySecret}
            onValue={set('apiKeySecret')}
            error={err('api_key_secret')}
          />
        </div>
      )}
      <SecretField
        label="Auth token"
        value={form.authToken}
        onValue={set('authToken')}
        hint={
          form.kind === 'api_key'
            ? 'Still needed with an API key: Twilio signs replies and delivery receipts with your account’s auth token, and we check every one.'
            : 'Twilio Console → Account info. Rotating it? Enter the new (secondary) token here first, then promote it in Twilio within 7 days.'
        }
        error={err('auth_token')}
      />
      <p class="muted">
        We check these with Twilio before saving. They are stored encrypted and never shown again.
      </p>
      <div class="actions">
        <Button type="submit" variant="primary" busy={busy}>
          Check and save
        </Button>
        <Button onClick={onCancel}>Cancel</Button>
      </div>
    </form>
  );
}

/** Settings → Twilio account: the tenant's own credentials, or the platform's account. Admins only. */
export function TwilioAccountCard() {
  const [account, setAccount] = useState<TwilioAccount | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);

  useEffect(() => {
    api<TwilioAccount>('/api/v1/tenant/twilio').then(setAccount, setLoadError);
  }, []);

  const remove = async () => {
    setAccount(await api<TwilioAccount>('/api/v1/tenant/twilio', { method: 'DELETE' }));
    toast('Your Twilio credentials are removed.');
  };

  return (
    <section class="card" aria-labelledby="twilio-title">
      <h2 id="twilio-title">Twilio account</h2>
      <ProblemAlert error={loadError} />
      {!account && !loadError && <p aria-live="polite">Loading…</p>}
      {account && !editing && (
        <>
          {account.source === 'tenant' ? (
            <>
              <p>
                <Badge tone="success">Your own account</Badge> <span class="mono">{account.account_sid}</span>
              </p>
              <dl class="sending-mini" data-testid="twilio-account">
                <div>
                  <dt>Calls Twilio with</dt>
                  <dd>
                    {account.credential_kind === 'api_key'
                      ? `API key ${account.api_key_sid?.slice(0, 6)}… (secret ${account.credential_hint})`
                      : `Auth token ${account.credential_hint}`}
                  </dd>
                </div>
                <div>
                  <dt>Webhooks checked with</dt>
                  <dd>Auth token {account.auth_token_hint}</dd>
                </div>
                <div>
                  <dt>Verified</dt>
                  <dd>{account.verified_at ? formatDateTime(account.verified_at) : '—'}</dd>
                </div>
              </dl>
              {account.previous_token_accepted_until && (
                <p class="muted">
                  Token rotation in progress: the previous auth token is still accepted until{' '}
                  {formatDateTime(account.previous_token_accepted_until)}. Promote the new token in Twilio
                  before then.
                </p>
              )}
            </>
          ) : account.source === 'platform' ? (
            <p>
              Messages go out through the platform’s Twilio account. Add your own account to send from your
              own numbers, Messaging Services and sender IDs.
            </p>
          ) : (
            <p>
              <Badge tone="warning">No Twilio account</Badge> Add your Twilio account to send messages.
            </p>
          )}
          <div class="actions">
            <Button
              variant={account.source === 'tenant' ? 'secondary' : 'primary'}
              onClick={() => setEditing(true)}
            >
              {account.source === 'tenant' ? 'Replace credentials' : 'Use my own Twilio account'}
            </Button>
            {account.source === 'tenant' && (
              <Button variant="danger" onClick={() => setConfirmRemove(true)}>
                Remove
              </Button>
            )}
          </div>
        </>
      )}
      {account && editing && (
        <CredentialsForm
          current={account}
          onSaved={(a) => {
            setAccount(a);
            setEditing(false);
          }}
          onCancel={() => setEditing(false)}
        />
      )}
      <ConfirmDialog
        open={confirmRemove}
        title="Remove your Twilio credentials?"
        confirmLabel="Remove credentials"
        danger
        onConfirm={remove}
        onClose={() => setConfirmRemove(false)}
      >
        <p>
          Sending falls back to the platform’s Twilio account.
          {account && account.senders_on_account > 0 && (
            <>
              {' '}
              <strong>
                {account.senders_on_account} sender{account.senders_on_account === 1 ? '' : 's'}
              </strong>{' '}
              registered under your account will stop working until you add your credentials again.
            </>
          )}
        </p>
      </ConfirmDialog>
    </section>
  );
}
