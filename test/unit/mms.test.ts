import { describe, expect, it } from 'vitest';
import {
  MMS_MAX_MEDIA_BYTES,
  messageCostOnChannel,
  mmsCostCents,
  normaliseContentType,
  sniffImageType,
  templateChannel,
} from '../../workers/domain/mms';

describe('MMS', () => {
  it('recognises JPEG, PNG and GIF by their first bytes, nothing else', () => {
    expect(sniffImageType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg');
    expect(sniffImageType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe(
      'image/png',
    );
    expect(sniffImageType(new TextEncoder().encode('GIF89a....'))).toBe('image/gif');
    expect(sniffImageType(new TextEncoder().encode('GIF87a'))).toBe('image/gif');
    expect(sniffImageType(new TextEncoder().encode('<!doctype html>'))).toBeNull();
    expect(sniffImageType(new Uint8Array([0xff, 0xd8]))).toBeNull();
    expect(sniffImageType(new TextEncoder().encode('RIFF....WEBP'))).toBeNull();
  });

  it('normalises content types', () => {
    expect(normaliseContentType('Image/JPEG; charset=binary')).toBe('image/jpeg');
    expect(normaliseContentType('image/jpg')).toBe('image/jpeg');
    expect(normaliseContentType('')).toBeNull();
    expect(normaliseContentType(null)).toBeNull();
  });

  it('a template with an image is an MMS, whichever shape it comes in', () => {
    expect(templateChannel({ mediaUrl: 'https://cdn.example.com/a.png' })).toBe('mms');
    expect(templateChannel({ media_url: 'https://cdn.example.com/a.png' })).toBe('mms');
    expect(templateChannel({ mediaUrl: null })).toBe('sms');
    expect(templateChannel({ media_url: '' })).toBe('sms');
  });

  it('an MMS costs one message price however many parts its text would be; SMS by parts', () => {
    expect(mmsCostCents(40)).toBe(40);
    expect(messageCostOnChannel('mms', 7, 40)).toBe(40);
    expect(messageCostOnChannel('sms', 3, 6)).toBe(18);
  });

  it('keeps room for the text inside Twilio’s 5 MB', () => {
    expect(MMS_MAX_MEDIA_BYTES).toBeLessThan(5_000_000);
    expect(MMS_MAX_MEDIA_BYTES).toBeGreaterThan(4_900_000);
  });
});
