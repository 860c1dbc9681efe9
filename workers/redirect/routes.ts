import { Hono } from 'hono';
import type { AppEnv } from '../http/context';

export const redirectRoutes = new Hono<AppEnv>();
