import { nulPath } from './validation';

describe('nulPath', () => {
  it('finds nothing in values without U+0000', () => {
    expect(nulPath({ a: 'text', b: [1, 'x', { c: null }] })).toBeUndefined();
    expect(nulPath('plain', 'id')).toBeUndefined();
    expect(nulPath(undefined)).toBeUndefined();
  });

  it('names the field as the validator would: a.b.0', () => {
    expect(nulPath({ reason: 'a\u0000b' })).toBe('reason');
    expect(nulPath({ a: { b: ['ok', '\u0000'] } })).toBe('a.b.1');
    expect(nulPath('x\u0000', 'targetId')).toBe('targetId');
    expect(nulPath({ targetId: '\u0000' }, undefined)).toBe('targetId');
  });

  it('looks at keys too', () => {
    expect(nulPath({ meta: { 'k\u0000': 1 } })).toBe('meta.k\u0000');
  });
});
