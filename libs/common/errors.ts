/** The fixed set of error codes of the public contract. */
export const ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  field: string;
  message: string;
}

/** An error the caller can act on. Services throw these; one filter maps them to HTTP and GraphQL. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id?: string) {
    super('NOT_FOUND', id === undefined ? `${what} not found` : `${what} ${id} not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(message: string) {
    super('CONFLICT', message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = 'A valid API key is required') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string) {
    super('FORBIDDEN', message);
  }
}

export class RateLimitedError extends DomainError {
  constructor(message: string) {
    super('RATE_LIMITED', message);
  }
}

export class ValidationError extends DomainError {
  constructor(fields: FieldError[]) {
    super('BAD_USER_INPUT', `Invalid input: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, fields);
  }
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'BAD_USER_INPUT':
      return 400;
    case 'CONFLICT':
      return 409;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL':
      return 500;
  }
}
