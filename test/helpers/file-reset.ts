import { afterAll, vi } from 'vitest';

// Files share a workerd (vitest.config.ts, project "shared"): whatever a file pinned or stubbed
// must not reach the next file, even when the file forgot to undo it or a test failed midway.
afterAll(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.unstubAllEnvs();
});
