import { useState } from 'preact/hooks';
import { copyText } from '../../growth';
import { Button } from '../Button';

/** A secret shown once (a webhook signing secret): copy it now, it is never shown again. */
export function SecretOnce({ secret, onDone }: { secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  return (
    <section class="card alert alert--success" aria-labelledby="secret-once-title">
      <h2 id="secret-once-title">Signing secret</h2>
      <p>
        Copy it now and store it in your receiver: this is the only time it is shown. Your receiver uses it to
        check the <code>X-Signature</code> header of every delivery.
      </p>
      <div class="key-once">
        <code data-testid="webhook-secret">{secret}</code>
        <Button onClick={async () => setCopied(await copyText(secret))}>
          {copied ? 'Copied' : 'Copy secret'}
        </Button>
        <Button variant="link" onClick={onDone}>
          I have stored it
        </Button>
      </div>
      <p class="visually-hidden" aria-live="polite">
        {copied ? 'Secret copied to the clipboard.' : ''}
      </p>
    </section>
  );
}
