import type { JSX } from 'preact';
import { formatCents } from '../../format';
import { Button } from '../Button';
import { Badge, Notice } from '../Status';
import type { TemplatePreview } from './types';

/** A readable name for a character: "’ (U+2019)"; invisible ones by code only. */
function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return ch.trim() === '' || cp === 0x200b || cp === 0xfeff ? code : `${ch} (${code})`;
}

/** The rendered text with every character that forces UCS-2 marked, so the author sees where it is. */
function Highlighted({ text, flagged }: { text: string; flagged: ReadonlySet<string> }) {
  if (flagged.size === 0) return <>{text}</>;
  const out: (string | JSX.Element)[] = [];
  let run = '';
  let i = 0;
  for (const ch of text) {
    if (flagged.has(ch)) {
      if (run) out.push(run);
      run = '';
      out.push(
        <mark key={i} class="sending-ucs2" title={`Forces UCS-2: ${describeChar(ch)}`}>
          {ch.trim() === '' ? '\u2423' : ch}
        </mark>,
      );
    } else {
      run += ch;
    }
    i++;
  }
  if (run) out.push(run);
  return <>{out}</>;
}

const shown = (s: string) => (s === '' ? 'nothing' : s.trim() === '' ? 'a space' : <code>{s}</code>);

type Props = {
  preview: TemplatePreview | null;
  pending: boolean;
  error: string | null;
  canEdit: boolean;
  onSmartEncode: (body: string) => void;
};

/** The live preview: the message as the recipient sees it and what it costs to send. */
export function PreviewPanel({ preview, pending, error, canEdit, onSmartEncode }: Props) {
  const flagged = new Set(preview?.non_gsm_characters ?? []);
  const smart = preview?.smart_encoded ?? null;
  return (
    <section class="card sending-preview" aria-labelledby="preview-title">
      <div class="sending-preview__head">
        <h2 id="preview-title">Preview</h2>
        <span class="muted sending-preview__state" aria-live="polite">
          {pending ? 'Updating…' : preview ? 'Up to date' : ''}
        </span>
      </div>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
      {!preview ? (
        !error && <p class="muted">Type a message to see how it will arrive.</p>
      ) : (
        <>
          <div class="sending-phone">
            {preview.media_url && (
              <img
                class="mms-image"
                src={preview.media_url}
                alt="The MMS image, as saved with the template"
                data-testid="preview-image"
                referrerpolicy="no-referrer"
              />
            )}
            <p class="sending-bubble" data-testid="preview-rendered">
              <Highlighted text={preview.rendered} flagged={flagged} />
            </p>
          </div>
          <ul class="stats sending-preview__stats" aria-live="polite" aria-atomic="true">
            <li class="stat">
              <span class="stat__value">
                <Badge tone={preview.encoding === 'GSM-7' ? 'success' : 'warning'}>
                  <span data-testid="preview-encoding">{preview.encoding}</span>
                </Badge>
              </span>
              <span class="stat__label">Encoding</span>
            </li>
            <li class="stat">
              <span class="stat__value" data-testid="preview-characters">
                {preview.characters}
              </span>
              <span class="stat__label">Characters</span>
            </li>
            <li class="stat">
              <span class="stat__value" data-testid="preview-parts">
                {preview.segments}
              </span>
              <span class="stat__label">{preview.segments === 1 ? 'Part' : 'Parts'}</span>
            </li>
            <li class="stat">
              <span class="stat__value" data-testid="preview-cost">
                {formatCents(preview.cost_cents)}
              </span>
              <span class="stat__label">
                {preview.channel === 'mms' ? 'Cost per recipient (one MMS)' : 'Cost per recipient'}
              </span>
            </li>
          </ul>
          <p class="muted sending-small">
            {preview.channel === 'mms' && 'An MMS is billed as one message, however long its text. '}
            {preview.encoding === 'GSM-7'
              ? 'GSM-7: 160 characters in one part, 153 per part when split. ^ { } [ ] ~ | € \\ count as two.'
              : 'UCS-2: 70 characters in one part, 67 per part when split.'}{' '}
            {preview.footer_appended
              ? 'The opt-out footer is added automatically and counted.'
              : 'No footer is added.'}
          </p>

          {flagged.size > 0 && (
            <Notice kind="warning">
              <p class="alert__title">
                {flagged.size === 1 ? 'This character forces' : 'These characters force'} UCS-2 (highlighted
                above)
              </p>
              <ul class="sending-chars">
                {[...flagged].map((c) => {
                  const r = smart?.replaced.find((x) => x.from === c);
                  return (
                    <li key={c}>
                      <mark class="sending-ucs2">{c.trim() === '' ? '\u2423' : c}</mark> {describeChar(c)}
                      {r ? (
                        <span class="muted"> → {shown(r.to)}</span>
                      ) : (
                        <span class="muted"> (no look-alike)</span>
                      )}
                    </li>
                  );
                })}
              </ul>
              {smart && (
                <>
                  <p class="sending-small">
                    With smart encoding: {smart.encoding}, {smart.segments}{' '}
                    {smart.segments === 1 ? 'part' : 'parts'} instead of {preview.segments}.
                  </p>
                  {canEdit && (
                    <Button small variant="primary" onClick={() => onSmartEncode(smart.body)}>
                      Use smart encoding
                    </Button>
                  )}
                </>
              )}
            </Notice>
          )}

          {preview.warnings.length > 0 && (
            <Notice kind="warning">
              <p class="alert__title">Warnings</p>
              <ul data-testid="preview-warnings">
                {preview.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </Notice>
          )}

          <dl class="details sending-small">
            <dt>Variables</dt>
            <dd>
              {preview.variables.length
                ? preview.variables.map((v) => (
                    <code
                      key={v}
                      class={`sending-var${preview.unknown_variables.includes(v) ? ' sending-var--unknown' : ''}`}
                    >{`{{${v}}}`}</code>
                  ))
                : 'none'}
            </dd>
            <dt>Opt-out footer</dt>
            <dd data-testid="preview-footer">
              {preview.footer_appended ? 'Added automatically' : 'Not added'}
            </dd>
          </dl>
        </>
      )}
    </section>
  );
}
