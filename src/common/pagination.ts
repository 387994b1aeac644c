import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AppError } from './app-error';

/** `cursor` and `limit`, shared by every list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({ description: 'nextCursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Cursors are opaque to clients: base64url JSON of the sort key of the last row returned.
 * A cursor that does not decode to the expected shape is the client's error.
 */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

type CursorField = 'timestamp' | 'uuid' | 'bigint';

const FIELD_PATTERNS: Record<CursorField, RegExp> = {
  timestamp: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  bigint: /^\d{1,18}$/,
};

export function decodeCursor<K extends string>(
  cursor: string,
  fields: Record<K, CursorField>,
): Record<K, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw invalidCursor();
  }
  const record = parsed as Record<string, unknown>;
  const out = {} as Record<K, string>;
  for (const [field, kind] of Object.entries(fields) as [K, CursorField][]) {
    const value = record[field];
    if (typeof value !== 'string' || !FIELD_PATTERNS[kind].test(value)) {
      throw invalidCursor();
    }
    if (kind === 'timestamp' && !isRealInstant(value)) {
      throw invalidCursor();
    }
    out[field] = value;
  }
  return out;
}

/**
 * The pattern admits 2026-02-30T25:61:00Z and the year 0000 (1 BC to JavaScript); the database
 * takes neither.
 */
function isRealInstant(value: string): boolean {
  const date = new Date(value);
  return (
    !Number.isNaN(date.getTime()) &&
    date.getUTCFullYear() >= 1 &&
    date.toISOString().slice(0, 19) === value.slice(0, 19)
  );
}

/** Fetch `limit + 1` rows; the extra one only says whether there is a next page. */
export function toPage<T>(
  rows: T[],
  limit: number,
  keyOf: (last: T) => Record<string, string | number>,
): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
  };
}

export function invalidCursor(): AppError {
  return new AppError('invalid', 'INVALID_CURSOR', 'The cursor is not one this API returned');
}
