// The public signup page `/f/:id` (issue 14): no login, no JavaScript needed, phone width first.
// GET shows the form; POST checks it and, when all is well, records the opt-in request and answers
// 303 to the thank-you page (so a reload never posts twice). Every refusal (bad phone, no tick,
// too many tries) re-renders the form with a clear message and stores nothing.
import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { allowAttempt } from '../auth/rate-limit';
import type { Db } from '../db/client';
import { doNotContact, formDirectory, keywords, sendingNumbers, signupForms, tenants } from '../db/schema';
import { controlDb, tenantDb } from '../db/shards';
import { checkSubmission, readSubmission, type SubmissionError } from '../domain/signup-form';
import { optInConfirmationsFor, recordOptIn } from '../opt-in/confirmations';
import { renderFormPage, renderMessagePage, renderThanksPage } from './page';
import { subscribeNow } from './subscribe';
import { checkFormToken, issueFormToken } from './token';

/** Posts per client IP (all forms), per window: room for a queue of people at a venue's wifi. */
export const IP_LIMIT = { attempts: 30, windowSeconds: 15 * 60 };
/** Sign-ups per phone number per tenant and day: stops anyone texting a stranger over and over. */
export const PHONE_LIMIT = { attempts: 3, windowSeconds: 24 * 3600 };
const MAX_BODY_BYTES = 16 * 1024;

// The form is meant to be embedded (iframe) on the tenant's own website, so unlike the admin UI —
// whose responses get `frame-ancestors 'none'` from the security-headers middleware — this page
// allows any framing site. Keep /f/* out of that rule.
const HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors *",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

function html(body: string, status = 200, extra: Record<string, string> = {}) {
  return new Response(body, { status, headers: { ...HEADERS, ...extra } });
}

type Loaded = {
  tenantId: string;
  db: Db;
  control: Db;
  tenant: typeof tenants.$inferSelect;
  form: typeof signupForms.$inferSelect;
};

/** The form behind a public id, through the control database's directory; null when unknown or deleted. */
async function load(env: Env, formId: string): Promise<Loaded | null> {
  if (!/^[0-9a-f-]{36}$/i.test(formId)) return null;
  const control = controlDb(env);
  const dir = await control.query.formDirectory.findFirst({ where: eq(formDirectory.formId, formId) });
  if (!dir) return null;
  const [tenant, db] = await Promise.all([
    control.query.tenants.findFirst({ where: eq(tenants.id, dir.tenantId) }),
    tenantDb(env, dir.tenantId),
  ]);
  if (!tenant) return null;
  const form = await db.query.signupForms.findFirst({
    where: and(
      eq(signupForms.id, formId),
      eq(signupForms.tenantId, dir.tenantId),
      isNull(signupForms.archivedAt),
    ),
  });
  return form ? { tenantId: dir.tenantId, db, control, tenant, form } : null;
}

const tooLarge = () => html(renderMessagePage('Too large', 'The form data is too large.'), 413);
const notFoundPage = () =>
  html(renderMessagePage('Form not found', 'This signup form does not exist or has been removed.'), 404);
const closedPage = (l: Loaded) =>
  html(
    renderMessagePage(
      'Sign-ups are closed',
      `${l.tenant.name} is not taking sign-ups through this form at the moment.`,
    ),
    410,
  );

async function formPage(
  env: Env,
  l: Loaded,
  opts: {
    values?: Record<string, string | boolean | undefined>;
    errors?: SubmissionError[];
    notice?: string;
    status?: number;
  },
) {
  return html(
    renderFormPage({
      formId: l.form.id,
      tenantName: l.tenant.name,
      name: l.form.name,
      consentText: l.form.consentText,
      fields: l.form.fields,
      token: await issueFormToken(env.LINK_SECRET, l.form.id, l.form.consentVersion, Date.now()),
      values: (opts.values ?? {}) as never,
      errors: opts.errors ?? [],
      notice: opts.notice,
    }),
    opts.status ?? 200,
  );
}

/**
 * What someone who opted out before must text to join again (a form never resubscribes a number on
 * do-not-contact): an active join keyword of the tenant's first active number (or a keyword for
 * every number), else START.
 */
async function rejoinHint(l: Loaded): Promise<{ number: string | null; keyword: string | null }> {
  const n = await l.control.query.sendingNumbers.findFirst({
    columns: { id: true, phoneE164: true },
    where: and(
      eq(sendingNumbers.tenantId, l.tenantId),
      eq(sendingNumbers.isActive, true),
      eq(sendingNumbers.kind, 'phone'),
    ),
    orderBy: asc(sendingNumbers.createdAt),
  });
  if (!n) return { number: null, keyword: null };
  const [k] = await l.db
    .select({ keyword: keywords.keyword })
    .from(keywords)
    .where(
      and(
        eq(keywords.tenantId, l.tenantId),
        eq(keywords.isActive, true),
        or(eq(keywords.sendingNumberId, n.id), isNull(keywords.sendingNumberId)),
      ),
    )
    .orderBy(asc(keywords.createdAt))
    .limit(1);
  return { number: n.phoneE164, keyword: k?.keyword ?? null };
}

export const formPublicRoutes = new Hono<{ Bindings: Env }>()
  .get('/:id', async (c) => {
    const l = await load(c.env, c.req.param('id'));
    if (!l) return notFoundPage();
    if (!l.form.isActive) return closedPage(l);
    if (c.req.query('done') !== undefined) {
      return html(
        renderThanksPage({
          tenantName: l.tenant.name,
          name: l.form.name,
          successMessage: l.form.successMessage,
          doubleOptIn: l.form.doubleOptIn,
          rejoin: await rejoinHint(l),
        }),
      );
    }
    return formPage(c.env, l, {});
  })
  .post('/:id', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => tooLarge() }), async (c) => {
    const l = await load(c.env, c.req.param('id'));
    if (!l) return notFoundPage();
    if (!l.form.isActive) return closedPage(l);
    const raw = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const form: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') form[k] = v.slice(0, 2000);
    const submission = readSubmission(form, l.form.fields);
    const values = { phone: submission.phone, consent: submission.consent, ...submission.fields };
    const ip = c.req.header('cf-connecting-ip') ?? null;
    const userAgent = c.req.header('user-agent') ?? null;
    const now = new Date();

    if (
      !(await allowAttempt(
        l.control,
        `signup-ip:${ip ?? 'unknown'}`,
        IP_LIMIT.attempts,
        IP_LIMIT.windowSeconds,
      ))
    ) {
      return formPage(c.env, l, {
        values,
        notice: 'Too many sign-ups from this network just now. Please try again in 15 minutes.',
        status: 429,
      });
    }
    // A field people never see was filled in: a bot. It is told all went well; nothing is stored.
    if ((form.website ?? '').trim() !== '') return c.redirect(`/f/${l.form.id}?done`, 303);
    const token = await checkFormToken(c.env.LINK_SECRET, l.form.id, form.t, now.getTime());
    if (!token.ok) {
      return formPage(c.env, l, {
        values,
        notice:
          token.reason === 'expired'
            ? 'This page was open for a long time. Please check your details and press Sign up again.'
            : 'Please check your details and press Sign up again.',
        status: 400,
      });
    }
    const checked = checkSubmission(submission, l.tenant.country);
    if (!checked.ok) return formPage(c.env, l, { values, errors: checked.errors, status: 422 });
    const phoneKey = `signup-phone:${l.tenantId}:${checked.phoneE164}`;
    if (!(await allowAttempt(l.control, phoneKey, PHONE_LIMIT.attempts, PHONE_LIMIT.windowSeconds))) {
      return formPage(c.env, l, {
        values,
        errors: [
          {
            field: 'phone',
            message: 'This number has been signed up several times today. Please try again tomorrow.',
          },
        ],
        status: 429,
      });
    }

    const listed = await l.db.query.doNotContact.findFirst({
      columns: { id: true },
      where: and(eq(doNotContact.tenantId, l.tenantId), eq(doNotContact.phoneE164, checked.phoneE164)),
    });
    const request = {
      tenantId: l.tenantId,
      phoneE164: checked.phoneE164,
      at: now,
      source: 'form' as const,
      formId: l.form.id,
      // The text the visitor saw (the page's token says which), even if it changed since.
      consentVersion: Math.min(token.consentVersion, l.form.consentVersion),
      ip,
      userAgent,
      fields: checked.fields,
    };
    if (listed) {
      // Never resubscribed by a form (anyone can type anyone's number): the person texts a join
      // keyword (or START) themselves. The request is kept, marked, and nothing is sent.
      await recordOptIn(l.db, request, 'blocked', { statusReason: 'do_not_contact' });
    } else if (l.form.doubleOptIn) {
      await optInConfirmationsFor(c.env, l.db).request(request);
    } else {
      await subscribeNow(c.env, l.db, {
        tenantId: l.tenantId,
        form: l.form,
        consentVersion: request.consentVersion,
        phoneE164: checked.phoneE164,
        fields: checked.fields,
        ip,
        userAgent,
        at: now,
      });
    }
    return c.redirect(`/f/${l.form.id}?done`, 303);
  });
