// Next to the demo on purpose: deleting app/src/fibonacci/ deletes its tests too (jest's unit project
// matches app/src/**/*.test.ts).
import { classifyError, HttpError } from '../errors/http-error';
import { renderView, TEST_APP_NAME_HTML, titleOf, viewApp } from '../../../test/unit/views/render';
import {
  FIB_MAX,
  FibonacciRunner,
  fibonacciBusy,
  fibonacciSync,
  parseFibonacciN,
  workerStats,
} from './fibonacci';
import { FIBONACCI_VIEW, mountFibonacciDemo } from './fibonacci.routes';

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

    await expect(third).rejects.toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
    await expect(Promise.all([first, second])).resolves.toEqual([75_025, 55]);
  });

  it('stops a computation whose client left: the running worker is terminated, a queued one never starts', async () => {
    const runner = new FibonacciRunner(1, 5);
    const running = new AbortController();
    const queued = new AbortController();
    const started = workerStats.started;
    const t0 = Date.now();

    const slow = runner.compute(FIB_MAX + 4, running.signal); // tens of seconds if it were left to run
    const waiting = runner.compute(30, queued.signal);
    queued.abort(new Error('gone'));
    setTimeout(() => running.abort(new Error('gone')), 100);

    await expect(slow).rejects.toThrow('gone');
    await expect(waiting).rejects.toThrow('gone');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(workerStats.started - started).toBe(1);
    await expect(runner.compute(20)).resolves.toBe(6_765); // the slot is free again
  });

  it('says busy with a plain HttpError(503) and Retry-After, so the error layer needs no demo import', () => {
    const busy = fibonacciBusy();

    expect(busy).toBeInstanceOf(HttpError);
    expect(classifyError(busy)).toEqual({
      status: 503,
      message: 'Too many fibonacci computations in progress',
      fields: undefined,
      headers: { 'Retry-After': '5' },
      unexpected: false,
    });
  });
});

describe('the demo as one mountable piece', () => {
  // The app's own view settings, so the page and its includes render as in production.
  const demoApp = () => {
    const app = viewApp();
    mountFibonacciDemo(app, new FibonacciRunner(1));
    return app;
  };

  it('renders its page from its own folder, with the app name in the title', async () => {
    const html = await renderView(demoApp(), FIBONACCI_VIEW, {
      title: 'Fibonacci 10',
      n: 10,
      result: 55,
      ms: 3,
    });

    expect(titleOf(html)).toBe(`Fibonacci 10 · ${TEST_APP_NAME_HTML}`);
    expect(html).toContain('<strong data-testid="result">55</strong>');
    expect(html).toContain('computed in 3 ms');
  });

  it('adds its link to the home page', async () => {
    const html = await renderView(demoApp(), 'home', { title: 'Welcome', dbState: 'connected' });

    expect(html).toContain('<a href="/fibonacci/30">Burn some CPU: /fibonacci/30</a>');
  });
});
