import { Transform } from 'class-transformer';
import { ValidateBy, ValidationOptions } from 'class-validator';
import { hasCompatibilityCharacters, hasControlCharacters, normaliseEmail } from '../identity-text';

/** An email in the one form it is stored and compared in (see `normaliseEmail`). */
export const NormalisedEmail = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normaliseEmail(value) : value,
  );

/** Refuses control characters (NUL included) and bidirectional formatting characters. */
export const NoControlCharacters = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'noControlCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !hasControlCharacters(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must not contain control or bidirectional formatting characters`,
      },
    },
    options,
  );

/** Refuses fullwidth and other compatibility lookalikes of plainer characters. */
export const NoCompatibilityCharacters = (options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'noCompatibilityCharacters',
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || !hasCompatibilityCharacters(value),
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must not contain fullwidth or other compatibility characters`,
      },
    },
    options,
  );
