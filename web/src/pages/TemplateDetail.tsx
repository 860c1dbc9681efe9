import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { ApiProblem, api, isAbort, messageOf, type Page } from '../api';
import { Button } from '../components/Button';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { CheckboxField, Field, SelectField, TextField } from '../components/Field';
import { PageHeader } from '../components/Layout';
import { ProblemAlert, toast } from '../components/Status';
import { PreviewPanel } from '../components/sending/PreviewPanel';
import type { Template, TemplatePreview } from '../components/sending/types';
import { fullName } from '../format';
import { can } from '../session';
import type { Contact } from '../types';
import '../sending.css';
import '../growth.css';

const PREVIEW_DELAY_MS = 300;
const BASE_VARIABLES = ['first_name', 'last_name', 'email', 'phone'];
/** What the message is previewed as sent from: the footer differs (issue 10). */
type SenderKind = 'phone' | 'alphanumeric';

/** Debounced POST /templates/preview: the latest body wins, older answers are dropped. */
function usePreview(body: string, contactId: string, mediaUrl: string, senderKind: SenderKind) {
  const [preview, setPreview] = useState<TemplatePreview | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ctrl = useRef<AbortController | null>(null);

  useEffect(() => {
    if (!body.trim()) {
      ctrl.current?.abort();
      setPreview(null);
      setPending(false);
      setError(null);
      return;
    }
    setPending(true);
    const timer = setTimeout(async () => {
      ctrl.current?.abort();
      const c = new AbortController();
      ctrl.current = c;
      try {
        const p = await api<TemplatePreview>('/api/v1/templates/preview', {
          json: {
            body,
            ...(contactId ? { contact_id: contactId } : {}),
            ...(mediaUrl ? { media_url: mediaUrl } : {}),
            sender_kind: senderKind,
          },
          signal: c.signal,
        });
        setPreview(p);
        setError(null);
      } catch (err) {
        if (isAbort(err)) return;
        setError(`Preview unavailable: ${messageOf(err)}`);
      } finally {
        if (ctrl.current === c) setPending(false);
      }
    }, PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [body, contactId, mediaUrl, senderKind]);

  useEffect(() => () => ctrl.current?.abort(), []);
  return { preview, pending, error };
}

export function TemplateDetail() {
  const { params } = useRoute();
  const { route } = useLocation();
  const id = params.id ?? 'new';
  const isNew = id === 'new';
  const editable = can('staff');

  const [template, setTemplate] = useState<Template | null>(null);
  const [name, setName] = useState('');
  const [body, setBody] = useState('');
  const [active, setActive] = useState(true);
  const [mediaUrl, setMediaUrl] = useState('');
  const [contactId, setContactId] = useState('');
  const [senderKind, setSenderKind] = useState<SenderKind>('phone');
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  // The preview is a POST under /templates, which the server keeps for staff and admins.
  const {
    preview,
    pending,
    error: previewError,
  } = usePreview(editable ? body : '', contactId, mediaUrl.trim(), senderKind);

  useEffect(() => {
    if (isNew) {
      setTemplate(null);
      setName('');
      setBody('Hi {{first_name|there}}, ');
      setActive(true);
      setMediaUrl('');
      return;
    }
    api<Template>(`/api/v1/templates/${id}`)
      .then((t) => {
        setTemplate(t);
        setName(t.name);
        setBody(t.body);
        setActive(t.is_active);
        setMediaUrl(t.media_url ?? '');
      })
      .catch(setLoadError);
  }, [id]);

  useEffect(() => {
    // A few contacts to preview with, and their custom fields as variable suggestions.
    api<Page<Contact>>('/api/v1/contacts', { query: { limit: 20 } })
      .then((p) => setContacts(p.data))
      .catch(() => setContacts([]));
  }, []);

  const customFields = useMemo(() => {
    const keys = new Set<string>();
    for (const c of contacts) for (const k of Object.keys(c.custom_fields ?? {})) keys.add(k);
    return [...keys].sort();
  }, [contacts]);

  const insert = (snippet: string) => {
    const el = bodyRef.current;
    const start = el?.selectionStart ?? body.length;
    const end = el?.selectionEnd ?? body.length;
    const next = body.slice(0, start) + snippet + body.slice(end);
    setBody(next);
    requestAnimationFrame(() => {
      if (!el) return;
      el.focus();
      el.setSelectionRange(start + snippet.length, start + snippet.length);
    });
  };

  const applySmartEncoding = (next: string) => {
    setBody(next);
    toast('Replaced characters with GSM-7 look-alikes.');
  };

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setSaveError(null);
    try {
      const json = { name: name.trim(), body, is_active: active, media_url: mediaUrl.trim() || null };
      if (isNew) {
        const t = await api<Template>('/api/v1/templates', { json });
        toast('Template created.');
        route(`/templates/${t.id}`, true);
      } else {
        const t = await api<Template>(`/api/v1/templates/${id}`, { method: 'PATCH', json });
        setTemplate(t);
        toast('Template saved.');
      }
    } catch (err) {
      setSaveError(err);
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    await api(`/api/v1/templates/${id}`, { method: 'DELETE' });
    toast('Template deleted.');
    route('/templates');
  };

  const title = isNew ? 'New template' : (template?.name ?? 'Template');
  const back = { href: '/templates', label: 'Templates' };
  if (loadError) {
    return (
      <>
        <PageHeader title="Template" back={back} />
        <ProblemAlert error={loadError} />
      </>
    );
  }
  if (!isNew && !template) {
    return (
      <>
        <PageHeader title="Template" back={back} />
        <p aria-live="polite">Loading…</p>
      </>
    );
  }

  const fieldError = (f: string) => (saveError instanceof ApiProblem ? saveError.fieldError(f) : undefined);
  const chips = [
    { label: '{{first_name}}', snippet: '{{first_name}}' },
    { label: '{{first_name|there}}', snippet: '{{first_name|there}}' },
    { label: '{{link}}', snippet: '{{link}}' },
    { label: '{{optout}}', snippet: '{{optout}}' },
    ...BASE_VARIABLES.slice(1).map((v) => ({ label: `{{${v}}}`, snippet: `{{${v}}}` })),
    ...customFields.map((v) => ({ label: `{{${v}}}`, snippet: `{{${v}}}` })),
  ];

  return (
    <>
      <PageHeader title={title} back={back}>
        {!isNew && editable && (
          <Button variant="danger" onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        )}
      </PageHeader>
      <div class="sending-editor">
        <form class="card" onSubmit={save} noValidate>
          <ProblemAlert error={saveError} />
          <TextField
            label="Name"
            required
            value={name}
            onValue={setName}
            maxLength={200}
            readOnly={!editable}
            error={fieldError('name')}
          />
          <Field
            label="Message"
            required
            error={fieldError('body')}
            hint="The preview updates as you type. Variables are replaced for each recipient."
          >
            {(p) => (
              <textarea
                {...p}
                ref={bodyRef}
                rows={7}
                class="sending-body"
                value={body}
                readOnly={!editable}
                onInput={(e) => setBody((e.currentTarget as HTMLTextAreaElement).value)}
              />
            )}
          </Field>
          {editable && (
            <div class="sending-chips" role="group" aria-label="Insert a variable">
              {chips.map((c) => (
                <button key={c.label} type="button" class="sending-chip" onClick={() => insert(c.snippet)}>
                  {c.label}
                </button>
              ))}
            </div>
          )}
          <details class="sending-help">
            <summary>How variables work</summary>
            <ul>
              <li>
                <code>{'{{first_name}}'}</code>, <code>{'{{last_name}}'}</code>, <code>{'{{email}}'}</code>:
                from the contact.
              </li>
              <li>
                <code>{'{{first_name|there}}'}</code>: “there” when the contact has no first name.
              </li>
              <li>
                <code>{'{{link}}'}</code>: the recipient’s personal short link to the campaign’s target URL
                (its length counts in the parts).
              </li>
              <li>Any other name is a custom field from your imports, e.g. {'{{plan}}'}.</li>
            </ul>
          </details>
          <TextField
            label="Image for MMS (optional)"
            type="url"
            hint="An https link to one JPEG, PNG or GIF of at most 4.99 MB. With an image the message goes out as an MMS, priced per message. We check the image when you save."
            value={mediaUrl}
            onValue={setMediaUrl}
            readOnly={!editable}
            error={fieldError('media_url')}
            maxLength={2000}
          />
          {template?.media_url && template.media_url === mediaUrl.trim() && template.media_bytes != null && (
            <p class="muted sending-small">
              Checked: {template.media_content_type}, {Math.max(1, Math.round(template.media_bytes / 1000))}{' '}
              KB.
            </p>
          )}
          <CheckboxField
            label="Active"
            hint="Only active templates can be chosen for new campaigns."
            checked={active}
            onChecked={setActive}
            disabled={!editable}
          />
          <SelectField
            label="Preview as"
            value={contactId}
            onValue={setContactId}
            options={[
              { value: '', label: 'A sample contact' },
              ...contacts.map((c) => ({ value: c.id, label: fullName(c) || c.phone_e164 })),
            ]}
          />
          <SelectField
            label="Sent from"
            hint="Recipients cannot reply to a sender ID: its messages carry a personal opt-out link ({{optout}}) instead of “Reply STOP”."
            value={senderKind}
            onValue={(v) => setSenderKind(v === 'alphanumeric' ? 'alphanumeric' : 'phone')}
            options={[
              { value: 'phone', label: 'A phone number or Messaging Service' },
              { value: 'alphanumeric', label: 'An alphanumeric sender ID' },
            ]}
          />
          {editable && (
            <div class="actions">
              <Button type="submit" variant="primary" busy={saving}>
                {isNew ? 'Create template' : 'Save template'}
              </Button>
            </div>
          )}
        </form>
        <PreviewPanel
          preview={preview}
          pending={pending}
          error={editable ? previewError : 'Previews are available to staff and admins.'}
          canEdit={editable}
          onSmartEncode={applySmartEncoding}
        />
      </div>
      <ConfirmDialog
        open={confirmDelete}
        title="Delete this template?"
        confirmLabel="Delete template"
        danger
        onConfirm={remove}
        onClose={() => setConfirmDelete(false)}
      >
        <p>Campaigns that already used it keep their sent messages. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
