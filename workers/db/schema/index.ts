// The whole data model: one file per concern in this folder, re-exported here (every module imports
// `../db/schema`). Tables and columns follow ../shared/ERD.md;
// additions the product needs are marked "beyond the ERD" and listed in the README.
// Timestamps are ISO-8601 UTC strings (sortable, readable in D1); ids are UUIDv7 strings.
// Which database holds which table is decided in schema-control.ts and schema-shard.ts (each a
// drizzle-kit entry with its own migrations folder); tenants, users and sending_numbers live in both
// (the control database is their source of truth, each shard keeps a copy of its tenants' rows so
// its foreign keys hold: see workers/db/replicate.ts).

export * from './audit';
export * from './contacts';
export * from './control';
export * from './conversations';
export * from './enums';
export * from './flows';
export * from './growth';
export * from './lifecycle';
export * from './messages';
export * from './operations';
export * from './senders';
export * from './spend';
export * from './templates-campaigns';
