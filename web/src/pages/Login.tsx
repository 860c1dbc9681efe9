import { useEffect, useState } from 'preact/hooks';
import { ApiProblem, api } from '../api';
import { Button } from '../components/Button';
import { TextField } from '../components/Field';
import { ProblemAlert } from '../components/Status';

/** Magic-link sign-in: the same answer whether or not the address has an account. */
export function Login() {
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [devOutbox, setDevOutbox] = useState(false);

  useEffect(() => {
    document.title = 'Sign in · SMS Campaigns';
    // The outbox route exists only in development; production answers 404 and the hint stays hidden.
    fetch('/dev/outbox', { method: 'HEAD' })
      .then((r) => setDevOutbox(r.ok))
      .catch(() => setDevOutbox(false));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('/auth/magic-link', { method: 'POST', json: { email: email.trim() } });
      setSentTo(email.trim());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fieldError = error instanceof ApiProblem ? error.fieldError('email') : undefined;

  return (
    <main class="login" id="main">
      <div class="login__card">
        <h1>Sign in to SMS Campaigns</h1>
        {sentTo ? (
          <div role="status">
            <p class="login__sent">Check your inbox.</p>
            <p>
              If <strong>{sentTo}</strong> has an account, we have sent it a sign-in link. The link works
              once, for 15 minutes.
            </p>
            <Button variant="link" onClick={() => setSentTo(null)}>
              Use a different email
            </Button>
          </div>
        ) : (
          <form onSubmit={submit} noValidate>
            <p>Enter your work email and we will send you a sign-in link.</p>
            {error && !fieldError ? <ProblemAlert error={error} /> : null}
            <TextField
              label="Email"
              type="email"
              name="email"
              autocomplete="email"
              required
              value={email}
              onValue={setEmail}
              error={fieldError}
            />
            <Button type="submit" variant="primary" busy={busy}>
              Email me a sign-in link
            </Button>
          </form>
        )}
        {devOutbox && (
          <p class="login__dev">
            Development: emails are not sent; open the{' '}
            <a href="/dev/outbox" target="_blank" rel="noopener">
              local outbox
            </a>{' '}
            (/dev/outbox) to find the link.
          </p>
        )}
      </div>
    </main>
  );
}
