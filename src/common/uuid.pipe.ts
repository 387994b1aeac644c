import { PipeTransform } from '@nestjs/common';
import { AppError } from './app-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A path id that is not a UUID cannot name anything, so it is answered exactly like an id that
 * names nothing: 404 with the resource's not-found code.
 */
export function uuidPipe(notFoundCode: string): PipeTransform<string, string> {
  return {
    transform(value: string): string {
      if (!UUID.test(value)) {
        throw new AppError('not_found', notFoundCode, 'Not found');
      }
      return value.toLowerCase();
    },
  };
}
