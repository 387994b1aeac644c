import { hasCompatibilityCharacters, hasControlCharacters, normaliseEmail } from './identity-text';

describe('identity text', () => {
  it('gives NFC and NFD spellings of an email one form, trimmed and lower-cased', () => {
    const nfc = 'Jos\u00e9@Example.test';
    const nfd = ' jose\u0301@example.TEST ';
    expect(normaliseEmail(nfc)).toBe('jos\u00e9@example.test');
    expect(normaliseEmail(nfd)).toBe(normaliseEmail(nfc));
  });

  it.each([
    ['NUL', 'Pat\u0000'],
    ['a tab', 'Pat\tDoe'],
    ['DEL', 'Pat\u007f'],
    ['a C1 control', 'Pat\u0085Doe'],
    ['a right-to-left override', 'Dr \u202eyeL'],
    ['a left-to-right embedding', '\u202aPat'],
    ['a first-strong isolate', 'Pat\u2068'],
    ['a pop directional isolate', 'Pat\u2069'],
  ])('finds %s', (_label, text) => {
    expect(hasControlCharacters(text)).toBe(true);
  });

  it.each(['Pat Doe', 'José Núñez', 'محمد', '李小龙', 'Zoë 🙂'])('lets %s through', (text) => {
    expect(hasControlCharacters(text)).toBe(false);
  });

  it('finds fullwidth and other compatibility characters in an email, not accents', () => {
    expect(hasCompatibilityCharacters('\uff4a\uff4f\uff53\uff45@example.test')).toBe(true);
    expect(hasCompatibilityCharacters('\ufb01n@example.test')).toBe(true);
    expect(hasCompatibilityCharacters('jos\u00e9@example.test')).toBe(false);
    expect(hasCompatibilityCharacters('jose\u0301@example.test')).toBe(false);
  });
});
