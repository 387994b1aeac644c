import { MAX_JSON_DEPTH, tooDeepUnder } from './json-depth';

/** `{"a":{"a":…}}` with `levels` objects in all. */
function nestedObjects(levels: number): Record<string, unknown> {
  return JSON.parse('{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1));
}

describe('tooDeepUnder', () => {
  it('passes primitives and values up to the limit', () => {
    expect(tooDeepUnder('text')).toBeUndefined();
    expect(tooDeepUnder(null)).toBeUndefined();
    expect(tooDeepUnder({})).toBeUndefined();
    expect(tooDeepUnder(nestedObjects(MAX_JSON_DEPTH))).toBeUndefined();
    expect(tooDeepUnder({ a: [1, 2, { b: [] }], c: 'x' }, 4)).toBeUndefined();
  });

  it('names the top-level key under which the limit is passed', () => {
    expect(tooDeepUnder(nestedObjects(MAX_JSON_DEPTH + 1))).toBe('a');
    expect(tooDeepUnder({ flat: 1, deep: { a: { b: [] } } }, 3)).toBe('deep');
    expect(tooDeepUnder({ ok: { a: {} }, deep: [[[[]]]] }, 3)).toBe('deep');
  });

  it('names the index for an array, and "" for a value deeper than a limit of 0', () => {
    expect(tooDeepUnder([1, [[[]]]], 3)).toBe('1');
    expect(tooDeepUnder({}, 0)).toBe('');
  });

  it('reads 100,000 levels without a RangeError', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000));
    expect(tooDeepUnder({ payload: deep })).toBe('payload');
  });

  it('counts a key named __proto__ like any other', () => {
    expect(tooDeepUnder(JSON.parse('{"__proto__":{"a":{"b":{}}}}'), 3)).toBe('__proto__');
  });
});
