import type { Db } from '../db/client';
import type { Role } from '../db/schema';

export type Principal = {
  tenantId: string;
  role: Role;
  /** Set when a person acts through a session. */
  userId: string | null;
  /** Set when an integrator acts through an API key. */
  apiKeyId: string | null;
  via: 'session' | 'api_key';
  sessionId: string | null;
};

export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** The caller tenant's shard database (tenant-owned tables); set once the caller is known. */
    db: Db;
    /** The control database: tenants directory, users, sessions, API keys, sender directory, prices. */
    control: Db;
    principal: Principal;
  };
};
