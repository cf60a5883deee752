import {
  BusyError,
  FIB_MAX,
  FibonacciRunner,
  fibonacciSync,
  parseFibonacciN,
} from '../../app/src/fibonacci/fibonacci';

describe('parseFibonacciN', () => {
  it.each([
    ['0', 0],
    ['10', 10],
    ['07', 7],
    [String(FIB_MAX), FIB_MAX],
  ])('accepts %s', (raw, n) => {
    expect(parseFibonacciN(raw)).toEqual({ ok: true, n });
  });

  it.each(['-1', String(FIB_MAX + 1), '1000', '3.5', '1e3', 'abc', '', ' 5', undefined])(
    'rejects %j',
    (raw) => {
      expect(parseFibonacciN(raw)).toMatchObject({
        ok: false,
        error: expect.stringContaining(`0 to ${FIB_MAX}`),
      });
    },
  );
});

describe('fibonacci', () => {
  it('computes the classic values', () => {
    expect([0, 1, 2, 10, 20].map(fibonacciSync)).toEqual([0, 1, 1, 55, 6765]);
  });

  it('computes in a worker thread without blocking the event loop', async () => {
    const runner = new FibonacciRunner(1);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);

    const result = await runner.compute(32);
    clearInterval(timer);

    expect(result).toBe(2_178_309);
    expect(ticks).toBeGreaterThan(3);
  });

  it('queues beyond maxConcurrent and refuses beyond the queue', async () => {
    const runner = new FibonacciRunner(1, 1);

    const first = runner.compute(25);
    const second = runner.compute(10);
    const third = runner.compute(10);

    await expect(third).rejects.toBeInstanceOf(BusyError);
    await expect(Promise.all([first, second])).resolves.toEqual([75_025, 55]);
  });
});
