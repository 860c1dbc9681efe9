import { Hono } from 'hono';
import type { AppEnv } from '../http/context';

export const twilioWebhookRoutes = new Hono<AppEnv>();
