/**
 * A small LRU map with per-entry expiry, for values kept in one isolate's memory. A Map keeps
 * insertion order, so re-inserting on read moves an entry to the young end and the oldest entry
 * is always the first key.
 */
export class LruCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(readonly maxEntries: number) {}

  get(key: string, nowMs: number = Date.now()): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= nowMs) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number, nowMs: number = Date.now()): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: nowMs + ttlMs });
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
