// "Is this sender wired to us?" (issue 10): where Twilio sends the replies to a number or a
// Messaging Service, compared with our inbound webhook, and the repair. Without it a STOP reply
// goes wherever the number pointed before (or nowhere): a compliance failure.
import type { IncomingNumber, MessagingService, RestResult, TwilioRest } from './twilio-rest';

/** Where replies must go: our inbound webhook on the public origin. */
export function inboundWebhookUrl(env: Pick<Env, 'PUBLIC_BASE_URL'>): string {
  return `${env.PUBLIC_BASE_URL.replace(/\/+$/, '')}/webhooks/twilio/inbound`;
}

export type Wiring = {
  ok: boolean;
  expectedSmsUrl: string;
  /** What Twilio had when we looked (before any fix). */
  actualSmsUrl: string | null;
  actualSmsMethod: string | null;
  /** True when this call changed the configuration at Twilio. */
  fixed: boolean;
  /** Whether `?fix=true` can repair it (false when ok, or when the number or service is gone). */
  fixable: boolean;
  /** Why it is not ok, in a sentence; null when ok. */
  detail: string | null;
};

function numberWired(n: IncomingNumber, expected: string) {
  return n.smsUrl === expected && (n.smsMethod ?? 'POST').toUpperCase() === 'POST';
}

/**
 * Compares a number's SmsUrl/SmsMethod with our webhook and, when `fix`, sets them.
 * The number is found by its sid (PN…), or by its E.164 when we never stored the sid.
 */
export async function numberWiring(
  rest: TwilioRest,
  number: { twilioSid: string | null; phoneE164: string },
  expected: string,
  fix: boolean,
): Promise<RestResult<{ wiring: Wiring; number: IncomingNumber | null }>> {
  let found: IncomingNumber | null;
  if (number.twilioSid) {
    const r = await rest.fetchIncomingNumber(number.twilioSid);
    if (!r.ok && r.status !== 404) return r;
    found = r.ok ? r.value : null;
  } else {
    const r = await rest.findIncomingNumber(number.phoneE164);
    if (!r.ok) return r;
    found = r.value;
  }
  if (!found || found.phoneNumber !== number.phoneE164) {
    return {
      ok: true,
      value: {
        number: null,
        wiring: {
          ok: false,
          expectedSmsUrl: expected,
          actualSmsUrl: null,
          actualSmsMethod: null,
          fixed: false,
          fixable: false,
          detail: `${number.phoneE164} is no longer in Twilio account ${rest.accountSid} (released, ported or moved): replies cannot reach us.`,
        },
      },
    };
  }
  const before = found;
  if (numberWired(before, expected)) {
    return {
      ok: true,
      value: { number: before, wiring: okWiring(expected, before.smsUrl, before.smsMethod) },
    };
  }
  const mismatch = before.smsUrl
    ? `Replies to ${before.phoneNumber} go to ${before.smsUrl} (${before.smsMethod ?? 'POST'}), not to us.`
    : `${before.phoneNumber} has no incoming-message webhook: Twilio drops its replies.`;
  if (!fix) {
    return {
      ok: true,
      value: {
        number: before,
        wiring: {
          ok: false,
          expectedSmsUrl: expected,
          actualSmsUrl: before.smsUrl,
          actualSmsMethod: before.smsMethod,
          fixed: false,
          fixable: true,
          detail: mismatch,
        },
      },
    };
  }
  const set = await rest.setIncomingNumberSmsUrl(before.sid, expected, 'POST');
  if (!set.ok) return set;
  const after = set.value;
  const ok = numberWired(after, expected);
  return {
    ok: true,
    value: {
      number: after,
      wiring: {
        ok,
        expectedSmsUrl: expected,
        actualSmsUrl: before.smsUrl,
        actualSmsMethod: before.smsMethod,
        fixed: true,
        fixable: !ok,
        detail: ok ? null : 'Twilio did not keep the new webhook URL.',
      },
    },
  };
}

function serviceWired(s: MessagingService, expected: string) {
  return (
    !s.useInboundWebhookOnNumber &&
    s.inboundRequestUrl === expected &&
    (s.inboundMethod ?? 'POST').toUpperCase() === 'POST'
  );
}

/** The same for a Messaging Service: its own inbound URL, used for every number in the service. */
export async function serviceWiring(
  rest: TwilioRest,
  serviceSid: string,
  expected: string,
  fix: boolean,
): Promise<RestResult<{ wiring: Wiring; service: MessagingService | null }>> {
  const r = await rest.fetchMessagingService(serviceSid);
  if (!r.ok && r.status !== 404) return r;
  if (!r.ok) {
    return {
      ok: true,
      value: {
        service: null,
        wiring: {
          ok: false,
          expectedSmsUrl: expected,
          actualSmsUrl: null,
          actualSmsMethod: null,
          fixed: false,
          fixable: false,
          detail: `Messaging Service ${serviceSid} is no longer in Twilio account ${rest.accountSid}.`,
        },
      },
    };
  }
  const before = r.value;
  if (serviceWired(before, expected)) {
    return {
      ok: true,
      value: { service: before, wiring: okWiring(expected, before.inboundRequestUrl, before.inboundMethod) },
    };
  }
  const detail = before.useInboundWebhookOnNumber
    ? 'The service hands replies to each number’s own webhook instead of its inbound URL.'
    : before.inboundRequestUrl
      ? `Replies to the service go to ${before.inboundRequestUrl}, not to us.`
      : 'The service has no inbound URL: Twilio drops its replies.';
  if (!fix) {
    return {
      ok: true,
      value: {
        service: before,
        wiring: {
          ok: false,
          expectedSmsUrl: expected,
          actualSmsUrl: before.inboundRequestUrl,
          actualSmsMethod: before.inboundMethod,
          fixed: false,
          fixable: true,
          detail,
        },
      },
    };
  }
  const set = await rest.setMessagingServiceInbound(serviceSid, expected);
  if (!set.ok) return set;
  const ok = serviceWired(set.value, expected);
  return {
    ok: true,
    value: {
      service: set.value,
      wiring: {
        ok,
        expectedSmsUrl: expected,
        actualSmsUrl: before.inboundRequestUrl,
        actualSmsMethod: before.inboundMethod,
        fixed: true,
        fixable: !ok,
        detail: ok ? null : 'Twilio did not keep the new inbound URL.',
      },
    },
  };
}

function okWiring(expected: string, actual: string | null, method: string | null): Wiring {
  return {
    ok: true,
    expectedSmsUrl: expected,
    actualSmsUrl: actual,
    actualSmsMethod: method,
    fixed: false,
    fixable: false,
    detail: null,
  };
}
