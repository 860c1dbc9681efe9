import { defineConfig } from 'drizzle-kit';

// Two databases, two migration folders: `DRIZZLE_DB=shard npx drizzle-kit generate` for the shards
// (`npm run db:generate` does both).
const target = process.env.DRIZZLE_DB === 'shard' ? 'shard' : 'control';

export default defineConfig({
  dialect: 'sqlite',
  schema: `./workers/db/schema-${target}.ts`,
  out: `./migrations/${target}`,
});
