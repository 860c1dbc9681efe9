// Checking an MMS image when a template is saved (issue 14): Twilio will fetch it at send time and
// refuses anything but a reachable image within its limit, so we find out now, not mid-campaign.
// HEAD first (type and size, nothing downloaded); when the server does not answer HEAD or leaves
// out the type or size, a ranged GET of the first kilobyte (its bytes must also look like the
// declared image type).

import {
  formatBytes,
  isMmsContentType,
  MMS_MAX_MEDIA_BYTES,
  type MmsContentType,
  normaliseContentType,
  sniffImageType,
} from '../domain/mms';
import { checkPublicUrl } from '../domain/public-address';
import { ApiError } from '../http/errors';
import { assertPublicUrl } from './public-url';

export type CheckedImage = { url: string; contentType: MmsContentType; bytes: number };

const FETCH_TIMEOUT_MS = 10_000;
const MAX_REDIRECTS = 3;
const SNIFF_BYTES = 1024;

const invalid = (message: string) =>
  new ApiError('VALIDATION', message, { errors: [{ path: 'media_url', message }] });

/** fetch with redirects followed by hand, each hop held to the same public-URL rules. */
async function fetchPublic(env: Pick<Env, 'ENVIRONMENT'>, url: string, init: RequestInit): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await fetch(current, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) return res;
    await res.body?.cancel();
    const next = new URL(location, current).toString();
    const check = checkPublicUrl(next, { environment: env.ENVIRONMENT, label: 'The image’s redirect' });
    if (!check.ok) throw invalid(check.reason);
    current = next;
  }
  throw invalid(`The image URL redirects more than ${MAX_REDIRECTS} times.`);
}

async function readPrefix(
  res: Response,
  max: number,
): Promise<{ bytes: Uint8Array; total: number; complete: boolean }> {
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let complete = true;
  if (reader) {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || !value) break;
        if (total < max) chunks.push(value);
        total += value.byteLength;
        // Counting a body with no declared size stops one byte past the limit.
        if (total > MMS_MAX_MEDIA_BYTES) {
          complete = false;
          break;
        }
      }
    } finally {
      reader.cancel().catch(() => undefined);
    }
  }
  const bytes = new Uint8Array(Math.min(total, max));
  let o = 0;
  for (const c of chunks) {
    const part = c.subarray(0, Math.min(c.byteLength, bytes.byteLength - o));
    bytes.set(part, o);
    o += part.byteLength;
  }
  return { bytes, total, complete };
}

function sizeFrom(res: Response): number | null {
  const range = res.headers.get('content-range');
  const total = range ? /\/(\d+)\s*$/.exec(range)?.[1] : undefined;
  if (total) return Number(total);
  if (res.status === 206) return null;
  const len = res.headers.get('content-length');
  return len && /^\d+$/.test(len) ? Number(len) : null;
}

function describeFailure(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return 'it did not answer within 10 seconds';
  return `it could not be reached (${err instanceof Error ? err.message : String(err)})`.slice(0, 200);
}

/** The image's type and size, or a 422 that says what is wrong with it. */
export async function checkMmsImage(env: Pick<Env, 'ENVIRONMENT'>, raw: string): Promise<CheckedImage> {
  const url = await assertPublicUrl(env, raw, { path: 'media_url', label: 'The image URL' });
  if (url.protocol !== 'https:')
    throw invalid('The image URL must use https: Twilio fetches it from the internet.');
  const href = url.toString();

  let contentType: string | null = null;
  let size: number | null = null;
  try {
    const head = await fetchPublic(env, href, { method: 'HEAD' });
    if (head.ok) {
      contentType = normaliseContentType(head.headers.get('content-type'));
      size = sizeFrom(head);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // Some servers refuse HEAD or drop it; the GET below decides.
  }
  if (contentType !== null && size !== null) {
    if (!isMmsContentType(contentType)) throw notAnImage(contentType);
    if (size > MMS_MAX_MEDIA_BYTES) throw tooLarge(size);
    return { url: href, contentType, bytes: size };
  }

  let res: Response;
  try {
    res = await fetchPublic(env, href, { method: 'GET', headers: { range: `bytes=0-${SNIFF_BYTES - 1}` } });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw invalid(`The image could not be fetched: ${describeFailure(err)}.`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw invalid(`The image URL answered HTTP ${res.status}; it must answer 200 with the image.`);
  }
  contentType = normaliseContentType(res.headers.get('content-type')) ?? contentType;
  const declared = sizeFrom(res);
  const prefix = await readPrefix(res, SNIFF_BYTES);
  const sniffed = sniffImageType(prefix.bytes);
  if (contentType === null) {
    throw invalid('The image server sends no Content-Type; Twilio needs image/jpeg, image/png or image/gif.');
  }
  if (!isMmsContentType(contentType)) throw notAnImage(contentType);
  if (sniffed !== contentType) {
    throw invalid(
      `The server says the image is ${contentType}, but its content is ${sniffed ?? 'not an image'}.`,
    );
  }
  // A 200 (the server ignored the range) with no length was counted while reading.
  const bytes = declared ?? (res.status === 200 ? prefix.total : size);
  if (bytes === null)
    throw invalid('The image server does not say how large the image is; Twilio needs to know.');
  if (bytes > MMS_MAX_MEDIA_BYTES || !prefix.complete) throw tooLarge(bytes);
  return { url: href, contentType, bytes };
}

function notAnImage(type: string) {
  return invalid(`The image URL serves ${type}, not a JPEG, PNG or GIF image.`);
}

function tooLarge(bytes: number) {
  return invalid(
    `The image is ${formatBytes(bytes)}; an MMS image can be at most ${formatBytes(MMS_MAX_MEDIA_BYTES)} (Twilio's limit is 5 MB for image and text together).`,
  );
}
