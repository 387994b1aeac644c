import { parseIfMatchVersion } from './if-match';

describe('parseIfMatchVersion', () => {
  it.each([
    ['3', 3],
    ['"3"', 3],
    ['W/"3"', 3],
    [' "42" ', 42],
    ['0', 0],
    ['123456789', 123456789],
  ])('reads %j as version %d', (header, version) => {
    expect(parseIfMatchVersion(header)).toBe(version);
  });

  it('is undefined when there is no header', () => {
    expect(parseIfMatchVersion(undefined)).toBeUndefined();
  });

  it.each([
    ['empty', ''],
    ['a wildcard', '*'],
    ['a non-numeric tag', '"abc"'],
    ['a negative number', '-1'],
    ['a decimal', '1.5'],
    ['a list of tags', '"1", "2"'],
    ['ten digits', '1234567890'],
    ['a lowercase weak prefix', 'w/"3"'],
    ['digits with letters', '3a'],
    ['an exponent', '1e3'],
    ['an unclosed quote', '"3'],
    ['an unopened quote', '3"'],
    ['a weak prefix without quotes', 'W/3'],
  ])('refuses %s', (_label, header) => {
    expect(parseIfMatchVersion(header)).toBeUndefined();
  });
});
