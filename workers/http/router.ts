import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from './context';
import { ApiError, fieldErrors } from './errors';

/** One sub-app per resource; validation failures become 422 problem+json with field paths. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError('VALIDATION', 'The request has invalid fields.', {
          errors: fieldErrors(result.error.issues),
        });
      }
    },
  });
}

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

const problemContent = { 'application/problem+json': { schema: ProblemSchema } };

/** The error answers every authenticated route can give, for the OpenAPI document. */
export const errorResponses = {
  400: { description: 'Malformed request', content: problemContent },
  401: { description: 'Not signed in', content: problemContent },
  403: { description: 'Role too low', content: problemContent },
  404: { description: 'Not found (or another tenant’s)', content: problemContent },
  422: { description: 'Invalid fields', content: problemContent },
} as const;

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return {
    required: true,
    description,
    content: { 'application/json': { schema } },
  } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

export const IdParam = z.object({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

export function page<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable() });
}

/** A `HH:MM` 24-hour clock time. */
export const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected HH:MM (24-hour)');

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-AU', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z.string().refine(isValidTimeZone, 'Unknown IANA time zone');
