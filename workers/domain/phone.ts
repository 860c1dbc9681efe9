// Phone numbers: one canonical E.164 form per person, and only numbers that can receive an SMS.
// Pure (no I/O). The `max` metadata is needed for number *types* (mobile vs landline vs 13/1300/1800).
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type NormalizedPhone = { ok: true; e164: string; country: string } | { ok: false; reason: string };

const ALLOWED_CHARS = /^[0-9+()\-./\s]+$/;
// Excel turns long digit strings into floats: `4.12345678E+08`, `6.14123E+10`.
const SCIENTIFIC = /^(\d)(?:[.,](\d+))?e\+?(\d{1,2})$/i;

const REJECTED_TYPES: Record<string, string> = {
  FIXED_LINE: 'a landline number, which cannot receive SMS',
  TOLL_FREE: 'a toll-free number (e.g. 1800), which cannot receive SMS',
  SHARED_COST: 'a shared-cost number (e.g. 13 or 1300), which cannot receive SMS',
  PREMIUM_RATE: 'a premium-rate number (e.g. 1900), which cannot receive SMS',
  VOIP: 'a VoIP number, which may not receive SMS',
  PAGER: 'a pager number, which cannot receive SMS',
  UAN: 'a universal access number, which cannot receive SMS',
  VOICEMAIL: 'a voicemail access number, which cannot receive SMS',
  PERSONAL_NUMBER: 'a personal (follow-me) number, which may not receive SMS',
};

/**
 * Recovers the digits Excel showed as scientific notation, when no digit was lost.
 * `4.12345678E+08` → `412345678`; `4.12346E+08` is ambiguous (3 digits rounded away) → null.
 */
export function recoverScientific(input: string): { digits: string } | { lost: true } | null {
  const m = SCIENTIFIC.exec(input.trim());
  if (!m) return null;
  const [, lead = '', fraction = '', exp = '0'] = m;
  // Only a mantissa carrying every digit (as many fraction digits as the exponent) is trustworthy;
  // anything shorter may have been rounded by Excel, anything longer is not a whole number.
  if (fraction.length !== Number(exp)) return { lost: true };
  return { digits: lead + fraction };
}

export function normalizePhone(input: string, defaultCountry = 'AU'): NormalizedPhone {
  let raw = input.trim();
  if (raw === '') return { ok: false, reason: 'missing phone number' };
  const scientific = recoverScientific(raw);
  if (scientific && 'lost' in scientific) {
    return {
      ok: false,
      reason: `"${raw}" is a number Excel converted to scientific notation and rounded; format the column as Text and export again`,
    };
  }
  if (scientific) raw = scientific.digits;
  if (!ALLOWED_CHARS.test(raw)) {
    return { ok: false, reason: `"${truncate(raw)}" is not a phone number (unexpected characters)` };
  }
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 6) return { ok: false, reason: `"${truncate(raw)}" is too short to be a phone number` };
  if (digits.length > 17) return { ok: false, reason: `"${truncate(raw)}" is too long to be a phone number` };
  const region = (isSupportedCountry(defaultCountry) ? defaultCountry : 'AU') as CountryCode;
  const parsed = parsePhoneNumberFromString(raw, region);
  if (!parsed) return { ok: false, reason: `"${truncate(raw)}" is not a phone number` };
  const country = parsed.country ?? region;
  if (!parsed.isValid()) {
    return { ok: false, reason: `"${truncate(raw)}" is not a valid ${country} phone number (invalid)` };
  }
  const type = parsed.getType();
  if (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE') return { ok: true, e164: parsed.number, country };
  const why = (type && REJECTED_TYPES[type]) ?? 'a number of unknown type, which may not receive SMS';
  return { ok: false, reason: `${parsed.number} is ${why}` };
}

function truncate(s: string) {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * What a search box's text means as a phone number: the exact E.164 number when it normalises, and
 * digit strings to match anywhere inside stored E.164 numbers (a national `0` trunk prefix dropped,
 * since `0412 345` is stored as `+61412345…`). Null when the text is not phone-like.
 */
export function phoneSearch(
  input: string,
  defaultCountry = 'AU',
): { e164: string | null; digits: string[] } | null {
  const text = input.trim();
  if (!/^[0-9+()\-./\s]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  if (digits.length < 3) return null;
  const normalized = normalizePhone(text, defaultCountry);
  const variants = new Set([digits]);
  if (digits.startsWith('0') && digits.length > 3) variants.add(digits.replace(/^0+/, ''));
  return { e164: normalized.ok ? normalized.e164 : null, digits: [...variants] };
}
