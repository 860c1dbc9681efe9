/** Every folder under `dir` holding .sql migrations, keyed by its path relative to the repository. */
export function migrationsManifest(dir?: string, root?: string): Record<string, string[]>;
export function renderManifest(manifest: Record<string, string[]>): string;
