// MMS: a template with one image. Pure: no I/O (fetching the image is workers/integrations/media.ts).
//
// Twilio accepts JPEG, PNG and GIF for MMS (it resizes them for the handset's carrier) and refuses
// a message whose media and text together exceed 5 MB. It bills an MMS per message, whatever the
// length of its text (up to 1600 characters, never split into parts). Where the recipient's carrier
// cannot take MMS, Twilio's MMS Converter sends an SMS with a link to the image instead, billed as
// SMS; the MMS price is then an upper bound of the cost.
import type { Channel } from '../db/schema';

export const MMS_CONTENT_TYPES = ['image/jpeg', 'image/png', 'image/gif'] as const;
export type MmsContentType = (typeof MMS_CONTENT_TYPES)[number];
/** Twilio's MMS limit is 5 MB for media and text together; 10 KB stay free for the text. */
export const MMS_MAX_MEDIA_BYTES = 5_000_000 - 10_000;

/** `image/JPEG; charset=…` → `image/jpeg`; the non-standard `image/jpg` counts as JPEG. */
export function normaliseContentType(header: string | null | undefined): string | null {
  if (!header) return null;
  const t = header.split(';')[0]?.trim().toLowerCase() ?? '';
  if (t === '') return null;
  return t === 'image/jpg' || t === 'image/pjpeg' ? 'image/jpeg' : t;
}

export function isMmsContentType(t: string | null): t is MmsContentType {
  return t !== null && (MMS_CONTENT_TYPES as readonly string[]).includes(t);
}

/** The image type its first bytes say it is (magic numbers), or null. */
export function sniffImageType(bytes: Uint8Array): MmsContentType | null {
  const b = bytes;
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (
    b.length >= 8 &&
    b[0] === 0x89 &&
    b[1] === 0x50 &&
    b[2] === 0x4e &&
    b[3] === 0x47 &&
    b[4] === 0x0d &&
    b[5] === 0x0a &&
    b[6] === 0x1a &&
    b[7] === 0x0a
  ) {
    return 'image/png';
  }
  if (b.length >= 6) {
    const sig = String.fromCharCode(...b.slice(0, 6));
    if (sig === 'GIF87a' || sig === 'GIF89a') return 'image/gif';
  }
  return null;
}

/** `sms` unless the template carries an image. Accepts a row (`mediaUrl`) or API JSON (`media_url`). */
export function templateChannel(
  template: { mediaUrl?: string | null } | { media_url?: string | null },
): Channel {
  const url =
    'mediaUrl' in template ? template.mediaUrl : 'media_url' in template ? template.media_url : null;
  return url ? 'mms' : 'sms';
}

/** One MMS costs one message price, however long its text. */
export function mmsCostCents(perMessageCents: number): number {
  return perMessageCents;
}

/** The cost of one message on its channel: SMS by parts, MMS per message. */
export function messageCostOnChannel(channel: Channel, segments: number, priceCents: number): number {
  return channel === 'mms' ? mmsCostCents(priceCents) : segments * priceCents;
}

/** Human-readable size: 1.2 MB, 340 KB. */
export function formatBytes(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(2)} MB` : `${Math.max(1, Math.round(n / 1000))} KB`;
}
