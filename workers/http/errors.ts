import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Every error the API answers, by code. The code names the problem type URI. */
const CODES = {
  BAD_REQUEST: { status: 400, title: 'Bad request' },
  VALIDATION: { status: 422, title: 'Validation failed' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  GONE: { status: 410, title: 'Gone' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  INTERNAL: { status: 500, title: 'Internal error' },
  BAD_GATEWAY: { status: 502, title: 'Upstream service unavailable' },
} as const satisfies Record<string, { status: ContentfulStatusCode; title: string }>;

export type ErrorCode = keyof typeof CODES;
export type FieldError = { path: string; message: string };

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: ContentfulStatusCode;
  readonly errors?: FieldError[];
  readonly extra?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    detail: string,
    opts: { errors?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.code = code;
    this.status = CODES[code].status;
    this.errors = opts.errors;
    this.extra = opts.extra;
  }

  toProblem(instance?: string): ProblemDetails {
    return problem(this.code, this.message, { errors: this.errors, instance, extra: this.extra });
  }
}

export type ProblemDetails = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  [key: string]: unknown;
};

export function problem(
  code: ErrorCode,
  detail: string,
  opts: { errors?: FieldError[]; instance?: string; extra?: Record<string, unknown> } = {},
): ProblemDetails {
  const { status, title } = CODES[code];
  return {
    ...opts.extra,
    type: `https://docs.sms-campaigns.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title,
    status,
    detail,
    ...(opts.instance ? { instance: opts.instance } : {}),
    ...(opts.errors ? { errors: opts.errors } : {}),
  };
}

export function problemResponse(p: ProblemDetails, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}

/** zod issues → `{path, message}` with dotted paths (`audience.custom_field`, `rows.0.phone`). */
export function fieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): FieldError[] {
  return issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
}

export const notFound = (what: string) => new ApiError('NOT_FOUND', `${what} not found`);
