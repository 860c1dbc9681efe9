import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../api';
import { Button } from '../Button';
import { Notice, ProblemAlert, toast } from '../Status';
import type { SenderWiring, SendingNumber } from './types';

/**
 * "Check wiring": asks Twilio where replies to this number (or Messaging Service) go. A mismatch
 * shows both URLs and can be fixed in one click (replies that do not reach us are lost STOPs).
 */
export function WiringCheck({
  sender,
  onChange,
  children,
}: {
  sender: SendingNumber;
  onChange: (n: SendingNumber) => void;
  /** Other actions shown in the same row (Edit). */
  children?: ComponentChildren;
}) {
  const [result, setResult] = useState<SenderWiring | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<'check' | 'fix' | null>(null);

  const run = async (fix: boolean) => {
    setBusy(fix ? 'fix' : 'check');
    setError(null);
    try {
      const w = await api<SenderWiring>(`/api/v1/sending-numbers/${sender.id}/check-wiring`, {
        method: 'POST',
        query: fix ? { fix: 'true' } : undefined,
      });
      setResult(w);
      onChange(w.sending_number);
      if (fix && w.fixed && w.ok) toast(`Fixed: replies to ${sender.label} now reach us.`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="wiring" data-testid={`wiring-${sender.id}`}>
      <div class="actions">
        {children}
        <Button
          small
          busy={busy === 'check'}
          onClick={() => run(false)}
          aria-label={`Check wiring of ${sender.label}`}
        >
          Check wiring
        </Button>
      </div>
      <ProblemAlert error={error} />
      {result?.ok && (
        <Notice kind="success">
          {result.fixed ? 'Fixed. ' : ''}Replies reach us at <code>{result.expected_sms_url}</code>.
        </Notice>
      )}
      {result && !result.ok && (
        <Notice kind="warning">
          <p>
            <strong>Replies do not reach us.</strong> {result.detail}
          </p>
          <dl class="wiring-urls">
            <dt>Twilio sends replies to</dt>
            <dd>
              <code>{result.actual_sms_url ?? 'nowhere'}</code>
            </dd>
            <dt>They should go to</dt>
            <dd>
              <code>{result.expected_sms_url}</code>
            </dd>
          </dl>
          {result.fixable && (
            <Button small variant="primary" busy={busy === 'fix'} onClick={() => run(true)}>
              Fix it
            </Button>
          )}
        </Notice>
      )}
    </div>
  );
}
