import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDate, IsOptional } from 'class-validator';

// A full date-time with an explicit offset: a time without one means different things to
// the patient and the clinician.
const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** An ISO-8601 date-time with offset, received as a string and handed to services as a Date. */
export function IsoDateTime(options: { optional?: boolean; description?: string } = {}) {
  const doc = { type: String, format: 'date-time', description: options.description };
  return applyDecorators(
    ...(options.optional ? [ApiPropertyOptional(doc), IsOptional()] : [ApiProperty(doc)]),
    Transform(({ value }: { value: unknown }) => parseIsoDateTime(value) ?? value, {
      toClassOnly: true,
    }),
    IsDate({ message: '$property must be an ISO-8601 date-time with offset' }),
  );
}

/** The instant `value` names, or undefined for anything but a real calendar date-time. */
export function parseIsoDateTime(input: unknown): Date | undefined {
  if (typeof input !== 'string') {
    return undefined;
  }
  // An unencoded "+01:00" in a query string arrives as " 01:00".
  const value = input.replace(/ (\d{2}:\d{2})$/, '+$1');
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) {
    return undefined;
  }
  const [year, month, day, hour, minute, second = '0', offH = '0', offM = '0'] = m
    .slice(1)
    .map((part) => part ?? undefined);
  // Date rolls 2026-02-30 over to March; a calendar check refuses it instead.
  const wall = new Date(Date.UTC(2000, +month - 1, +day, +hour, +minute, +second));
  // Date.UTC reads years 0–99 as 1900–1999; setting the year afterwards does not.
  wall.setUTCFullYear(+year, +month - 1, +day);
  if (
    wall.getUTCFullYear() !== +year ||
    wall.getUTCMonth() !== +month - 1 ||
    wall.getUTCDate() !== +day ||
    +hour > 23 ||
    +minute > 59 ||
    +second > 59 ||
    +offH > 14 ||
    +offM > 59
  ) {
    return undefined;
  }
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
