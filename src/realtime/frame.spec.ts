import { MAX_JSON_DEPTH } from '../common/json-depth';
import { parseFrame } from './frame';

const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

describe('parseFrame', () => {
  it('takes any id of 1 to 128 characters, counting an emoji as one', () => {
    for (const id of ['a b/c#7', '"q"\\', 'é'.repeat(128), '🩺'.repeat(128)]) {
      expect(parseFrame(JSON.stringify({ event: 'e', id }))).toEqual({
        ok: true,
        frame: { event: 'e', data: {}, id },
      });
    }
  });

  it('refuses other ids, carrying a string one back', () => {
    expect(parseFrame(JSON.stringify({ event: 'e', id: '🩺'.repeat(129) }))).toMatchObject({
      ok: false,
      code: 'INVALID_FRAME',
      id: '🩺'.repeat(129),
    });
    expect(parseFrame('{"event":"e","id":""}')).toMatchObject({ ok: false, id: '' });
    expect(parseFrame('{"event":"e","id":7}')).toEqual(
      expect.objectContaining({ ok: false, id: undefined }),
    );
  });

  it(`reads data nested to the limit (${MAX_JSON_DEPTH} levels in all)`, () => {
    const frame = `{"event":"e","data":{"x":${nested(MAX_JSON_DEPTH - 2)}}}`;
    expect(parseFrame(frame)).toMatchObject({ ok: true });
  });

  it('refuses data nested deeper as VALIDATION_FAILED naming the field, with the id', () => {
    const frame = `{"event":"e","id":"f","data":{"ok":1,"x":${nested(MAX_JSON_DEPTH - 1)}}}`;
    expect(parseFrame(frame)).toEqual({
      ok: false,
      id: 'f',
      code: 'VALIDATION_FAILED',
      message: expect.any(String),
      details: { fields: { x: [expect.stringContaining('deeper')] } },
    });
  });

  it('refuses a frame nested deeper outside data as INVALID_FRAME, with the id', () => {
    const frame = `{"event":"e","id":"f","pad":${nested(MAX_JSON_DEPTH)}}`;
    expect(parseFrame(frame)).toMatchObject({ ok: false, id: 'f', code: 'INVALID_FRAME' });
  });
});
