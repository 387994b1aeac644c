import { percentile, sortNumbers, spread } from './stats';

describe('bench statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const sorted = sortNumbers([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sortNumbers([]), 50)).toBeNaN();
  });

  it('sorts numerically, not as text', () => {
    expect([...sortNumbers([10, 9, 100])]).toEqual([9, 10, 100]);
  });

  it('summarises runs by median, min and max, ignoring failed ones', () => {
    expect(spread([3, 1, NaN, 2])).toEqual({ median: 2, min: 1, max: 3 });
  });
});
