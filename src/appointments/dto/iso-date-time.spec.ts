import { parseIsoDateTime } from './iso-date-time';

describe('parseIsoDateTime', () => {
  it.each([
    ['2026-03-01T10:00:00Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00Z', '2026-03-01T10:00:00.000Z'],
    ['2026-03-01T10:00:00+01:00', '2026-03-01T09:00:00.000Z'],
    ['2026-03-01T10:00:00-05:30', '2026-03-01T15:30:00.000Z'],
    ['2026-03-01T10:00:00.5Z', '2026-03-01T10:00:00.500Z'],
    ['2026-03-01T10:00:00.123Z', '2026-03-01T10:00:00.123Z'],
    ['2026-03-01T10:00:00.123+02:00', '2026-03-01T08:00:00.123Z'],
    ['2026-03-01T10:00:00.123456-05:30', '2026-03-01T15:30:00.123Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
  ])('reads %s as %s', (input, instant) => {
    expect(parseIsoDateTime(input)?.toISOString()).toBe(instant);
  });

  it('reads a "+" offset that arrived as a space from an unencoded query string', () => {
    expect(parseIsoDateTime('2026-03-01T10:00:00 01:00')?.toISOString()).toBe(
      '2026-03-01T09:00:00.000Z',
    );
  });

  it('reads years before 100 as themselves, not as 19xx', () => {
    expect(parseIsoDateTime('0050-01-01T00:00:00Z')?.toISOString()).toBe(
      '0050-01-01T00:00:00.000Z',
    );
  });

  it('returns a Date for an accepted value', () => {
    expect(parseIsoDateTime('2026-03-01T10:00:00Z')).toBeInstanceOf(Date);
  });

  it.each([
    ['no offset', '2026-03-01T10:00:00'],
    ['date only', '2026-03-01'],
    ['February 30', '2026-02-30T10:00:00Z'],
    ['February 29 in a common year', '2026-02-29T10:00:00Z'],
    ['April 31', '2026-04-31T10:00:00Z'],
    ['month 13', '2026-13-01T10:00:00Z'],
    ['month 00', '2026-00-10T10:00:00Z'],
    ['day 00', '2026-03-00T10:00:00Z'],
    ['hour 24', '2026-03-01T24:00:00Z'],
    ['minute 60', '2026-03-01T10:60:00Z'],
    ['second 60', '2026-03-01T10:00:60Z'],
    ['offset hour 15', '2026-03-01T10:00:00+15:00'],
    ['offset minute 60', '2026-03-01T10:00:00+01:60'],
    ['offset without colon', '2026-03-01T10:00:00+0100'],
    ['space instead of T', '2026-03-01 10:00:00Z'],
    ['trailing garbage', '2026-03-01T10:00:00Zjunk'],
    ['leading space', ' 2026-03-01T10:00:00Z'],
    ['a space offset with no time after it', '2026-03-01T10:00:00 '],
    ['an epoch number as text', '1767261600000'],
    ['the empty string', ''],
    ['words', 'tomorrow at ten'],
  ])('refuses %s', (_label, input) => {
    expect(parseIsoDateTime(input)).toBeUndefined();
  });

  it.each([
    ['a number', 1767261600000],
    ['a Date', new Date('2026-03-01T10:00:00Z')],
    ['null', null],
    ['undefined', undefined],
    ['an object', { startsAt: '2026-03-01T10:00:00Z' }],
    ['an array', ['2026-03-01T10:00:00Z']],
    ['a boolean', true],
  ])('refuses %s (not a string)', (_label, input) => {
    expect(parseIsoDateTime(input)).toBeUndefined();
  });
});
