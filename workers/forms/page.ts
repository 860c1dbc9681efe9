// The public signup page, rendered on the server: works without JavaScript, phone width first,
// accessible (labels, errors tied to their fields, an error summary that takes focus via its link).
import type { FormField } from '../db/schema';
import { FIELD_LABELS, type SubmissionError } from '../domain/signup-form';
import { escapeHtml } from '../http/html';

const AUTOCOMPLETE: Record<FormField, string> = {
  first_name: 'given-name',
  last_name: 'family-name',
  email: 'email',
};

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;background:#f5f7fa}
main{max-width:30rem;margin:0 auto;padding:1.25rem 1rem 2rem;background:#fff;min-height:100vh}
.org{margin:0;color:#52606d;font-size:.95rem}
h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 1rem}
.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.optional{font-weight:400;color:#52606d}
input[type=tel],input[type=text],input[type=email]{width:100%;font:inherit;padding:.75rem;border:1px solid #7b8794;border-radius:.5rem;min-height:3rem}
input:focus,button:focus,a:focus{outline:3px solid #2680c2;outline-offset:2px}
[aria-invalid=true]{border-color:#ba2525;border-width:2px}
.error{color:#ba2525;margin:.25rem 0 0;font-weight:600}
.consent{display:flex;gap:.75rem;align-items:flex-start;padding:.75rem;border:1px solid #cbd2d9;border-radius:.5rem;margin:0 0 1rem}
.consent input{width:1.5rem;height:1.5rem;flex:none;margin:.1rem 0 0}
.consent label{font-weight:400}
.consent.invalid{border-color:#ba2525;border-width:2px}
button{width:100%;font:inherit;font-weight:700;padding:.85rem;border:0;border-radius:.5rem;background:#0b5cad;color:#fff;min-height:3rem;cursor:pointer}
.summary{border:2px solid #ba2525;border-radius:.5rem;padding:.75rem 1rem;margin:0 0 1rem;background:#fff5f5}
.summary h2{font-size:1.05rem;margin:0 0 .25rem}
.summary ul{margin:0;padding-left:1.25rem}
.summary a{color:#ba2525}
.small{font-size:.875rem;color:#52606d}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>${body}</main></body></html>`;
}

export type FormView = {
  formId: string;
  tenantName: string;
  name: string;
  consentText: string;
  fields: readonly FormField[];
  token: string;
  values: { phone?: string; consent?: boolean } & Partial<Record<FormField, string>>;
  errors: readonly SubmissionError[];
  /** A problem with the whole post (rate limit, an expired page), shown above the form. */
  notice?: string;
};

const fieldId = (f: string) => `f-${f}`;

function errorOf(errors: readonly SubmissionError[], field: string) {
  return errors.find((e) => e.field === field)?.message;
}

function input(
  v: FormView,
  name: 'phone' | FormField,
  label: string,
  attrs: string,
  optional: boolean,
): string {
  const err = errorOf(v.errors, name);
  const id = fieldId(name);
  return `<div class="field"><label for="${id}">${escapeHtml(label)}${
    optional ? ' <span class="optional">(optional)</span>' : ''
  }</label><input id="${id}" name="${name}" ${attrs} value="${escapeHtml(v.values[name] ?? '')}"${
    err ? ` aria-invalid="true" aria-describedby="${id}-error"` : ''
  }>${err ? `<p class="error" id="${id}-error">${escapeHtml(err)}</p>` : ''}</div>`;
}

export function renderFormPage(v: FormView): string {
  const summary =
    v.errors.length > 0 || v.notice
      ? `<div class="summary" role="alert" tabindex="-1" id="problems"><h2>${
          v.errors.length > 0 ? 'Please check your details' : 'Not sent yet'
        }</h2>${v.notice ? `<p>${escapeHtml(v.notice)}</p>` : ''}${
          v.errors.length > 0
            ? `<ul>${v.errors
                .map((e) => `<li><a href="#${fieldId(e.field)}">${escapeHtml(e.message)}</a></li>`)
                .join('')}</ul>`
            : ''
        }</div>`
      : '';
  const consentErr = errorOf(v.errors, 'consent');
  const optionalFields = v.fields
    .map((f) =>
      input(
        v,
        f,
        FIELD_LABELS[f],
        `type="${f === 'email' ? 'email' : 'text'}" autocomplete="${AUTOCOMPLETE[f]}" maxlength="${f === 'email' ? 254 : 100}"`,
        true,
      ),
    )
    .join('');
  const body = `
<p class="org">${escapeHtml(v.tenantName)}</p>
<h1>${escapeHtml(v.name)}</h1>
${summary}
<form method="post" action="/f/${escapeHtml(v.formId)}" novalidate>
<input type="hidden" name="t" value="${escapeHtml(v.token)}">
${input(v, 'phone', 'Mobile number', 'type="tel" autocomplete="tel" inputmode="tel" maxlength="40" required', false)}
${optionalFields}
<div class="consent${consentErr ? ' invalid' : ''}"><input type="checkbox" id="${fieldId('consent')}" name="consent" value="on"${
    v.values.consent ? ' checked' : ''
  }${consentErr ? ` aria-invalid="true" aria-describedby="${fieldId('consent')}-error"` : ''}><div><label for="${fieldId(
    'consent',
  )}">${escapeHtml(v.consentText)}</label>${
    consentErr ? `<p class="error" id="${fieldId('consent')}-error">${escapeHtml(consentErr)}</p>` : ''
  }</div></div>
<div class="hp" aria-hidden="true"><label for="f-website">Leave this empty</label><input id="f-website" name="website" tabindex="-1" autocomplete="off"></div>
<button type="submit">Sign up</button>
<p class="small">You can opt out at any time by replying STOP. Message and data rates may apply.</p>
</form>`;
  return layout(`${v.name} – ${v.tenantName}`, body);
}

/**
 * After a sign-up. Deliberately the same page for everyone — a number on do-not-contact, one we
 * will text, one already subscribed — so it tells a stranger nothing about a number; and it never
 * claims a text was sent, since for some numbers none is.
 */
export function renderThanksPage(p: {
  tenantName: string;
  name: string;
  successMessage: string;
  doubleOptIn: boolean;
  /** What to text to join again after an opt-out: a form cannot lift it. */
  rejoin: { number: string | null; keyword: string | null };
}): string {
  const who = escapeHtml(p.tenantName);
  const { number, keyword } = p.rejoin;
  const restart =
    number && keyword
      ? `If you have replied STOP to ${who} before, this form cannot sign you up again: text <strong>${escapeHtml(keyword)}</strong> to ${escapeHtml(number)} instead and reply Y to the text you get back.`
      : number
        ? `If you have replied STOP to ${who} before, text START to ${escapeHtml(number)} first to receive messages again.`
        : `If you have replied STOP to ${who} before, text START to our number first to receive messages again.`;
  const next = p.doubleOptIn
    ? `<p><strong>One more step:</strong> unless this number has opted out of our messages, a text asking you to confirm is on its way. Reply <strong>Y</strong> to it within 24 hours to finish signing up.</p>`
    : '';
  return layout(
    `${p.name} – ${p.tenantName}`,
    `<p class="org">${escapeHtml(p.tenantName)}</p>
<h1>${p.doubleOptIn ? 'Almost done' : 'Thank you'}</h1>
<p role="status">${escapeHtml(p.successMessage)}</p>
${next}
<p class="small">${restart}</p>`,
  );
}

export function renderMessagePage(title: string, message: string): string {
  return layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>`);
}
