/**
 * Counters that keep counting across the test files sharing one workerd (vitest.config.ts,
 * project "shared"), so phone numbers and names one file makes never repeat another's in the
 * databases they share. They live on globalThis: module state starts over with each file.
 */
export function nextSeq(counter: 'any' | 'tenant' = 'any'): number {
  const g = globalThis as { __testSeq?: Record<string, number> };
  g.__testSeq ??= {};
  g.__testSeq[counter] = (g.__testSeq[counter] ?? 0) + 1;
  return g.__testSeq[counter];
}
