// The archive's file format: newline-delimited JSON, gzipped with the runtime's CompressionStream
// (no library), with the SHA-256 of the gzipped bytes to check a copy read back from R2.
import { toHex } from '../lib/crypto';

export type Bytes = Uint8Array<ArrayBuffer>;

async function drain(stream: ReadableStream): Promise<Bytes> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function streamOf(body: string | Bytes): ReadableStream<Bytes> {
  return new Blob([body]).stream() as ReadableStream<Bytes>;
}

/** One JSON object per line, each line ending in \n. */
export function toNdjson(rows: readonly unknown[]): string {
  return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** The lines of an NDJSON text, parsed (a corrupt line throws). */
export function fromNdjson<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

export async function gzip(text: string): Promise<Bytes> {
  return drain(streamOf(text).pipeThrough(new CompressionStream('gzip')));
}

/** Throws on bytes that are not a whole gzip stream (a truncated or corrupt object). */
export async function gunzip(bytes: Bytes): Promise<string> {
  return new TextDecoder().decode(await drain(streamOf(bytes).pipeThrough(new DecompressionStream('gzip'))));
}

export async function sha256OfBytes(bytes: Bytes): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', bytes));
}
