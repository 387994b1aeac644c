import { ChatRate } from './chat-rate';

describe('ChatRate', () => {
  it('lets the limit through in a window, refuses the next, and frees up as the window slides', () => {
    const rate = new ChatRate(3, 1000);

    expect([0, 100, 200, 300].map((at) => rate.take('a', at))).toEqual([true, true, true, false]);
    expect(rate.take('a', 999)).toBe(false);
    expect(rate.take('a', 1001)).toBe(true); // the send at 0 left the window
    expect(rate.take('a', 1050)).toBe(false);
  });

  it('counts each sender apart', () => {
    const rate = new ChatRate(1, 1000);

    expect(rate.take('a', 0)).toBe(true);
    expect(rate.take('b', 0)).toBe(true);
    expect(rate.take('a', 10)).toBe(false);
  });
});
