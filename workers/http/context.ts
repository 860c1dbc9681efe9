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
    db: Db;
    principal: Principal;
  };
};
