import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { COMMON_ERRORS } from './app-error';

/**
 * The one validation pipe: strips nothing silently (unknown fields are refused), converts
 * query strings to their declared types, and answers VALIDATION_FAILED naming each bad field.
 * Before any of that, it refuses a string holding U+0000 anywhere in a body, query or route
 * parameter: PostgreSQL cannot store one in text (it would be a 500), and no field means one.
 */
export function createValidationPipe(): ValidationPipe {
  return new NulRefusingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => COMMON_ERRORS.validation({ fields: flatten(errors) }),
  });
}

const CHECKED = new Set<ArgumentMetadata['type']>(['body', 'query', 'param']);

class NulRefusingValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (CHECKED.has(metadata.type)) {
      const path = nulPath(value, metadata.data);
      if (path !== undefined) {
        throw COMMON_ERRORS.validation({
          fields: { [path]: [`${path} must not contain the NUL character (U+0000)`] },
        });
      }
    }
    return super.transform(value, metadata);
  }
}

/**
 * The path (`a.b.0`, as the validator names fields) of the first string in `value` holding
 * U+0000, keys included. Iterative; bodies are already bounded in depth (MAX_JSON_DEPTH).
 */
export function nulPath(value: unknown, name?: string): string | undefined {
  const pending: [unknown, string | undefined][] = [[value, name]];
  while (pending.length > 0) {
    const [item, path] = pending.pop() as [unknown, string | undefined];
    if (typeof item === 'string') {
      if (item.includes('\u0000')) {
        return path ?? '';
      }
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        const childPath = path === undefined ? key : `${path}.${key}`;
        if (key.includes('\u0000')) {
          return childPath;
        }
        pending.push([child, childPath]);
      }
    }
  }
  return undefined;
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
