// The options an import batch keeps in `import_batches.options` (headers, consent defaults, who
// asked, resumes, delimiter), read and written in one place.
import { CONSENT_STATUSES, type ConsentStatus } from './schema';

export type ImportOptions = {
  headers: string[];
  defaultConsentStatus: ConsentStatus;
  consentSource: string | null;
  apiKeyId: string | null;
  resumes: number;
  resumeChunksDone: number;
  delimiter: string;
};

/** `import_batches.options` is `Record<string, string>`; this is its typed reading. */
export function readOptions(raw: string | Record<string, string> | null): ImportOptions {
  let o: Record<string, string> = {};
  if (typeof raw === 'string') {
    try {
      o = JSON.parse(raw) as Record<string, string>;
    } catch {
      o = {};
    }
  } else if (raw) o = raw;
  let headers: string[] = [];
  try {
    const h: unknown = JSON.parse(o.headers ?? '[]');
    if (Array.isArray(h)) headers = h.map(String);
  } catch {
    headers = [];
  }
  const consent = o.default_consent_status as ConsentStatus;
  return {
    headers,
    defaultConsentStatus: CONSENT_STATUSES.includes(consent) ? consent : 'unknown',
    consentSource: o.consent_source || null,
    apiKeyId: o.api_key_id || null,
    resumes: Number(o.resumes ?? 0) || 0,
    resumeChunksDone: Number(o.resume_chunks_done ?? 0) || 0,
    delimiter: o.delimiter ?? ',',
  };
}

export function writeOptions(o: ImportOptions): Record<string, string> {
  const out: Record<string, string> = {
    headers: JSON.stringify(o.headers),
    default_consent_status: o.defaultConsentStatus,
    resumes: String(o.resumes),
    resume_chunks_done: String(o.resumeChunksDone),
  };
  if (o.consentSource) out.consent_source = o.consentSource;
  if (o.apiKeyId) out.api_key_id = o.apiKeyId;
  out.delimiter = o.delimiter;
  return out;
}
