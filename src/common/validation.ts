import { ValidationError, ValidationPipe } from '@nestjs/common';
import { COMMON_ERRORS } from './app-error';

/**
 * The one validation pipe: strips nothing silently (unknown fields are refused), converts
 * query strings to their declared types, and answers VALIDATION_FAILED naming each bad field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => COMMON_ERRORS.validation({ fields: flatten(errors) }),
  });
}

function flatten(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      out[path] = Object.values(error.constraints);
    }
    if (error.children?.length) {
      Object.assign(out, flatten(error.children, path));
    }
  }
  return out;
}
