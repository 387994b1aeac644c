import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorBodyDto } from './dto/error-body.dto';

/** The error statuses the API answers with, and what each means whatever its code. */
const MEANING = {
  400: 'The request is not valid',
  401: 'Not authenticated',
  403: 'Your role may not do this',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'The body is larger than 1 MiB',
  415: 'The body’s encoding is not supported',
  422: 'Cannot be processed as sent',
  428: 'A precondition is required',
  429: 'Too many attempts; wait Retry-After seconds',
  503: 'Unavailable for now; try again after Retry-After seconds',
} as const;

export type ErrorStatus = keyof typeof MEANING;

/** Error codes by the status they are answered with. */
export type ErrorCodes = Partial<Record<ErrorStatus, readonly string[]>>;

/**
 * Every route behind the bearer token: the guard's refusals (a visit guest's token is good for
 * the socket only) and a database outage.
 */
export const SIGNED_IN: ErrorCodes = {
  401: ['UNAUTHENTICATED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_ENDED'],
  403: ['VISIT_TOKEN_ONLY'],
  503: ['SERVICE_UNAVAILABLE'],
};

/** Routes restricted by `@Roles`. */
export const ROLE_REQUIRED: ErrorCodes = { 403: ['FORBIDDEN_ROLE'] };

/** Every route that reads a JSON body. */
export const JSON_BODY: ErrorCodes = {
  400: ['VALIDATION_FAILED', 'MALFORMED_JSON'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
};

/** Every list: its query parameters and its cursor. */
export const LIST_QUERY: ErrorCodes = { 400: ['VALIDATION_FAILED', 'INVALID_CURSOR'] };

const RETRY_AFTER = {
  'Retry-After': {
    description: 'Seconds to wait before trying again (also in details.retryAfterSeconds)',
    schema: { type: 'integer' },
  },
};

/**
 * Documents the error responses of an operation: one per status, each the contract's error body
 * with the codes it may carry (listed in the description and as the `code` enum). Groups are
 * merged, so `@ApiErrors(SIGNED_IN, JSON_BODY, { 404: ['APPOINTMENT_NOT_FOUND'] })` reads as
 * what the route is.
 */
export function ApiErrors(...groups: ErrorCodes[]): MethodDecorator & ClassDecorator {
  const merged = new Map<ErrorStatus, Set<string>>();
  for (const group of groups) {
    for (const [status, codes] of Object.entries(group) as [`${ErrorStatus}`, string[]][]) {
      const key = Number(status) as ErrorStatus;
      const known = merged.get(key) ?? new Set<string>();
      codes.forEach((code) => known.add(code));
      merged.set(key, known);
    }
  }
  const responses = [...merged.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, codeSet]) => {
      const codes = [...codeSet];
      return ApiResponse({
        status,
        description: `${MEANING[status]}. Codes: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
        schema: {
          allOf: [
            { $ref: getSchemaPath(ErrorBodyDto) },
            { type: 'object', properties: { code: { type: 'string', enum: codes } } },
          ],
        },
        ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      });
    });
  return applyDecorators(ApiExtraModels(ErrorBodyDto), ...responses);
}
