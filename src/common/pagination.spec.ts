import { AppError } from './app-error';
import { decodeCursor, encodeCursor, toPage } from './pagination';

const KEY_FIELDS = { startsAt: 'timestamp', id: 'uuid' } as const;
const ID = '0b7e2a8c-5f1d-4c3b-9a6e-2d4f8b1c7e90';

function encodeRaw(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function cursorErrorCode(cursor: string, fields: Parameters<typeof decodeCursor>[1]): string {
  try {
    decodeCursor(cursor, fields);
  } catch (error) {
    if (error instanceof AppError) {
      return error.code;
    }
    throw error;
  }
  throw new Error(`decodeCursor accepted ${cursor}`);
}

describe('encodeCursor / decodeCursor', () => {
  it('round-trips a timestamp and uuid key', () => {
    const key = { startsAt: '2026-03-01T10:00:00.123456Z', id: ID };
    expect(decodeCursor(encodeCursor(key), KEY_FIELDS)).toEqual(key);
  });

  it('round-trips a bigint key', () => {
    expect(decodeCursor(encodeCursor({ id: '9007199254740993' }), { id: 'bigint' })).toEqual({
      id: '9007199254740993',
    });
  });

  it('gives an opaque, URL-safe string', () => {
    const cursor = encodeCursor({ startsAt: '2026-03-01T10:00:00Z', id: ID });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('returns only the fields asked for', () => {
    const cursor = encodeCursor({ startsAt: '2026-03-01T10:00:00Z', id: ID, extra: 'x' });
    expect(decodeCursor(cursor, KEY_FIELDS)).toEqual({ startsAt: '2026-03-01T10:00:00Z', id: ID });
  });

  it.each([
    ['garbage', 'not a cursor at all!'],
    ['the empty string', ''],
    ['base64 of non-JSON', Buffer.from('hello').toString('base64url')],
    ['JSON null', encodeRaw(null)],
    ['a JSON string', encodeRaw('2026-03-01T10:00:00Z')],
    ['a JSON number', encodeRaw(42)],
    ['a JSON array', encodeRaw(['2026-03-01T10:00:00Z', ID])],
    ['a missing field', encodeRaw({ startsAt: '2026-03-01T10:00:00Z' })],
    ['a number for the timestamp', encodeRaw({ startsAt: 1767261600000, id: ID })],
    ['a number for the id', encodeRaw({ startsAt: '2026-03-01T10:00:00Z', id: 12 })],
    ['null for the id', encodeRaw({ startsAt: '2026-03-01T10:00:00Z', id: null })],
    ['an object for the id', encodeRaw({ startsAt: '2026-03-01T10:00:00Z', id: { id: ID } })],
    ['a timestamp without Z', encodeRaw({ startsAt: '2026-03-01T10:00:00', id: ID })],
    ['a timestamp with an offset', encodeRaw({ startsAt: '2026-03-01T10:00:00+01:00', id: ID })],
    ['a date only', encodeRaw({ startsAt: '2026-03-01', id: ID })],
    ['SQL in the timestamp', encodeRaw({ startsAt: "2026-03-01T10:00:00Z' OR 1=1", id: ID })],
    ['an id that is not a uuid', encodeRaw({ startsAt: '2026-03-01T10:00:00Z', id: 'abc' })],
    ['a uuid with trailing text', encodeRaw({ startsAt: '2026-03-01T10:00:00Z', id: `${ID}x` })],
  ])('refuses %s with INVALID_CURSOR', (_label, cursor) => {
    expect(cursorErrorCode(cursor, KEY_FIELDS)).toBe('INVALID_CURSOR');
  });

  it.each([
    ['a negative number', '-1'],
    ['a 19-digit number', '1234567890123456789'],
    ['a decimal', '1.5'],
    ['a JSON number rather than a string', 5],
  ])('refuses %s as a bigint with INVALID_CURSOR', (_label, id) => {
    expect(cursorErrorCode(encodeRaw({ id }), { id: 'bigint' })).toBe('INVALID_CURSOR');
  });

  it('throws an AppError of kind invalid', () => {
    expect(() => decodeCursor('garbage', KEY_FIELDS)).toThrow(
      expect.objectContaining({ kind: 'invalid', code: 'INVALID_CURSOR' }),
    );
  });
});

describe('toPage', () => {
  const rows = [1, 2, 3, 4, 5].map((n) => ({ n }));
  const keyOf = (last: { n: number }) => ({ n: last.n });

  it('gives a next cursor, keyed on the last item shown, when there are more rows than the limit', () => {
    const page = toPage(rows.slice(0, 4), 3, keyOf);
    expect(page.items).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(page.nextCursor).not.toBeNull();
    expect(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString('utf8'))).toEqual({
      n: 3,
    });
  });

  it('gives no next cursor when the rows fit the limit exactly', () => {
    const page = toPage(rows.slice(0, 3), 3, keyOf);
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toBeNull();
  });

  it('gives no next cursor when there are fewer rows than the limit', () => {
    const page = toPage(rows.slice(0, 2), 3, keyOf);
    expect(page.items).toEqual([{ n: 1 }, { n: 2 }]);
    expect(page.nextCursor).toBeNull();
  });

  it('gives an empty last page for no rows', () => {
    expect(toPage([], 20, keyOf)).toEqual({ items: [], nextCursor: null });
  });

  it('never returns more items than the limit', () => {
    expect(toPage(rows, 2, keyOf).items).toEqual([{ n: 1 }, { n: 2 }]);
  });
});

describe('decodeCursor with impossible instants', () => {
  it.each([
    '2026-13-45T99:99:99Z',
    '2026-02-30T10:00:00Z',
    '2026-01-01T24:00:00Z',
    '0000-01-01T00:00:00Z',
    '0000-12-31T23:59:59.999999Z',
  ])('refuses %s, which only looks like a timestamp', (startsAt) => {
    const cursor = Buffer.from(JSON.stringify({ startsAt })).toString('base64url');
    expect(() => decodeCursor(cursor, { startsAt: 'timestamp' })).toThrow(
      expect.objectContaining({ code: 'INVALID_CURSOR' }),
    );
  });
});

describe('decodeCursor at the edges of the calendar', () => {
  it.each(['0001-01-01T00:00:00Z', '9999-12-31T23:59:59Z'])('reads %s', (startsAt) => {
    const cursor = Buffer.from(JSON.stringify({ startsAt })).toString('base64url');
    expect(decodeCursor(cursor, { startsAt: 'timestamp' })).toEqual({ startsAt });
  });
});
