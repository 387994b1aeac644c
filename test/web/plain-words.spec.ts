import { TelevisitError } from '../../client/televisit-error';
import { plainWords } from '../../web/src/errors';

/** The web app's words for errors (web/src/errors.ts): never a code, a stack or a raw message. */
describe('plainWords', () => {
  it('says when a visit that cannot be joined yet opens, and in how long', () => {
    const opensAt = new Date(Date.now() + 75 * 60_000 + 5_000).toISOString();
    const words = plainWords(new TelevisitError('VISIT_NOT_OPEN_YET', 'not yet', { opensAt }));
    expect(words).toMatch(/^This visit opens at .+ \(in 1 h 15 min\)\. Come back then\.$/);
  });

  it('words server codes, client codes and browser media errors', () => {
    expect(plainWords(new TelevisitError('SLOT_UNAVAILABLE', 'x'))).toBe(
      'That time is no longer free. Choose another time.',
    );
    expect(plainWords(new TelevisitError('TIMEOUT', 'x'))).toBe(
      'The service did not answer in time. Try again.',
    );
    expect(
      plainWords(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' })),
    ).toBe('Camera or microphone access was refused. Allow it in the browser and retry.');
  });

  it('never shows an unknown code or the raw message', () => {
    const words = plainWords(new TelevisitError('SOMETHING_NEW', 'stack at line 3'));
    expect(words).toBe('Something went wrong. Please try again.');
    expect(plainWords(undefined)).toBe('Something went wrong. Please try again.');
  });
});
