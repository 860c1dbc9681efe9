import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { controlDb, TenantMovingError } from './db/shards';
import { formPublicRoutes } from './forms/public';
import { authenticate, requireRole, writesNeed } from './http/auth-middleware';
import type { AppEnv } from './http/context';
import { ApiError, problem, problemResponse } from './http/errors';
import { createRouter } from './http/router';
import { securityHeaders } from './http/security-headers';
import { apiKeyRoutes } from './routes/api-keys';
import { auditLogRoutes } from './routes/audit-log';
import { authRoutes } from './routes/auth';
import { campaignRoutes } from './routes/campaigns';
import { contactRoutes } from './routes/contacts';
import { conversationRoutes } from './routes/conversations';
import { conversionRoutes } from './routes/conversions';
import { costRoutes } from './routes/costs';
import { deadLetterRoutes } from './routes/dead-letters';
import { devRoutes } from './routes/dev';
import { doNotContactRoutes } from './routes/do-not-contact';
import { eventRoutes } from './routes/events';
import { flowRoutes } from './routes/flows';
import { formRoutes } from './routes/forms';
import { healthRoutes } from './routes/health';
import { importRoutes, MAX_UPLOAD_BYTES } from './routes/imports';
import { inboxRoutes } from './routes/inbox';
import { keywordRoutes } from './routes/keywords';
import { meRoutes } from './routes/me';
import { opsRoutes } from './routes/ops';
import { segmentRoutes } from './routes/segments';
import { sendingNumberRoutes } from './routes/sending-numbers';
import { suppressionRuleRoutes } from './routes/suppression-rules';
import { systemRoutes } from './routes/system';
import { templateRoutes } from './routes/templates';
import { tenantRoutes } from './routes/tenant';
import { testNumberRoutes } from './routes/test-numbers';
import { twilioAccountRoutes } from './routes/twilio-account';
import { userRoutes } from './routes/users';
import { webhookDeliveryRoutes } from './routes/webhook-deliveries';
import { webhookRoutes } from './routes/webhooks';
import { twilioWebhookRoutes } from './webhooks/routes';

const JSON_BODY_LIMIT = 1024 * 1024;

function tooLarge(detail: string) {
  return () => {
    throw new ApiError('PAYLOAD_TOO_LARGE', detail);
  };
}

/** Who may write what: viewer reads everything; staff writes the day-to-day resources; admin the rest. */
function apiV1() {
  const api = createRouter();
  api.use('*', authenticate);
  api.use(
    '/imports',
    bodyLimit({
      maxSize: MAX_UPLOAD_BYTES,
      onError: tooLarge(
        `The file is larger than ${MAX_UPLOAD_BYTES / 1048576} MB (about 150,000 rows). Split it into smaller files.`,
      ),
    }),
  );
  api.use('*', async (c, next) => {
    if (c.req.path.endsWith('/imports')) return next();
    return bodyLimit({
      maxSize: JSON_BODY_LIMIT,
      onError: tooLarge(`The body is larger than ${JSON_BODY_LIMIT / 1024} KiB.`),
    })(c, next);
  });
  for (const path of [
    '/users',
    '/users/*',
    '/api-keys',
    '/api-keys/*',
    '/dead-letters',
    '/dead-letters/*',
    '/system',
    '/tenant/twilio',
  ]) {
    api.use(path, requireRole('admin'));
  }
  // Webhook endpoints hold signing secrets: credentials, so admin (issue 14).
  for (const path of [
    '/sending-numbers',
    '/sending-numbers/*',
    '/costs',
    '/costs/*',
    '/webhooks',
    '/webhooks/*',
  ]) {
    api.use(path, writesNeed('admin'));
  }
  for (const path of [
    '/contacts',
    '/contacts/*',
    '/imports',
    '/imports/*',
    '/do-not-contact',
    '/do-not-contact/*',
    '/suppression-rules',
    '/suppression-rules/*',
    '/templates',
    '/templates/*',
    '/campaigns',
    '/campaigns/*',
    '/conversions',
    '/conversions/*',
    '/keywords',
    '/keywords/*',
    '/forms',
    '/forms/*',
    '/flows',
    '/flows/*',
    '/segments',
    '/segments/*',
    // issue 12: replying, assigning and closing are day-to-day work; so is confirming one's own
    // phone as a test number (its code protects the phone's owner)
    '/conversations',
    '/conversations/*',
    '/test-numbers',
    '/test-numbers/*',
  ]) {
    api.use(path, writesNeed('staff'));
  }
  return api
    .route('/', meRoutes)
    .route('/', tenantRoutes)
    .route('/', twilioAccountRoutes)
    .route('/', userRoutes)
    .route('/', apiKeyRoutes)
    .route('/', auditLogRoutes)
    .route('/', contactRoutes)
    .route('/', importRoutes)
    .route('/', doNotContactRoutes)
    .route('/', suppressionRuleRoutes)
    .route('/', templateRoutes)
    .route('/', sendingNumberRoutes)
    .route('/', costRoutes)
    .route('/', segmentRoutes)
    .route('/', campaignRoutes)
    .route('/', eventRoutes)
    .route('/', inboxRoutes)
    .route('/', conversationRoutes)
    .route('/', testNumberRoutes)
    .route('/', deadLetterRoutes)
    .route('/', systemRoutes)

    .route('/', webhookRoutes)
    .route('/', webhookDeliveryRoutes)
    .route('/', conversionRoutes)
    .route('/', keywordRoutes)
    .route('/', formRoutes)
    .route('/', flowRoutes);
}

export function createApp() {
  const app = new OpenAPIHono<AppEnv>();

  app.use('*', securityHeaders);
  app.use('*', async (c, next) => {
    c.set('control', controlDb(c.env));
    await next();
  });

  const api = apiV1();
  app.get('/api/v1/openapi.json', (c) =>
    c.json(
      api.getOpenAPI31Document({
        openapi: '3.1.0',
        info: {
          title: 'SMS Campaigns API',
          version: '1.0.0',
          description: 'Tenant-scoped JSON API. Authenticate with `Authorization: Bearer <api key>`.',
        },
        servers: [{ url: `${c.env.PUBLIC_BASE_URL}/api/v1` }],
      }),
    ),
  );
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  app.route('/api/v1', api);
  app.route('/auth', authRoutes);
  app.route('/dev', devRoutes);
  app.route('/healthz', healthRoutes);
  app.route('/webhooks/twilio', twilioWebhookRoutes);
  app.route('/f', formPublicRoutes);
  // Operator endpoints (npm run ops): exist only when the OPS_TOKEN secret is set.
  app.route('/ops/v1', opsRoutes);

  app.notFound((c) => problemResponse(problem('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError((err, c) => {
    if (err instanceof ApiError) return problemResponse(err.toProblem(c.req.path));
    if (err instanceof TenantMovingError) {
      return problemResponse(
        problem(
          'UNAVAILABLE',
          'This account is being moved to another database and is read-only for a few minutes. Try again shortly.',
          { instance: c.req.path },
        ),
        { 'retry-after': String(err.retryAfterSeconds) },
      );
    }
    if (err instanceof HTTPException) {
      const code =
        err.status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : err.status === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : err.status === 401
              ? 'UNAUTHENTICATED'
              : 'BAD_REQUEST';
      const detail = err.status === 415 ? 'Send JSON with Content-Type: application/json.' : err.message;
      return problemResponse(
        problem(code, detail || 'The request could not be read.', { instance: c.req.path }),
      );
    }
    // Never leak internals: log for operators, answer a generic problem.
    console.error('unhandled error', c.req.method, c.req.path, err);
    return problemResponse(problem('INTERNAL', 'Something went wrong on our side. It has been logged.'));
  });

  return app;
}
