import { eventually, sleep } from '../support/wait';

describe('eventually', () => {
  it('retries while the check throws and returns the value of the first passing attempt', async () => {
    let attempts = 0;

    const value = await eventually(
      () => {
        attempts++;
        expect(attempts).toBeGreaterThanOrEqual(3);
        return `passed on attempt ${attempts}`;
      },
      { timeoutMs: 2_000, everyMs: 10 },
    );

    expect(value).toBe('passed on attempt 3');
  });

  it("fails with the failing expect's own message when the time runs out, not a generic one", async () => {
    const failing = eventually(() => expect({ status: 503 }).toEqual({ status: 200 }), {
      timeoutMs: 100,
      everyMs: 10,
    });

    await expect(failing).rejects.toThrow(/expect\(received\)\.toEqual\(expected\)/);
    await expect(failing).rejects.toThrow(/"status": 200/);
    await expect(failing).rejects.toHaveProperty('matcherResult.pass', false);
  });

  it('rethrows the error of the last attempt, not of the first', async () => {
    let attempt = 0;

    const failing = eventually(
      () => {
        attempt++;
        throw new Error(`attempt ${attempt} failed`);
      },
      { timeoutMs: 100, everyMs: 10 },
    );

    await expect(failing).rejects.toThrow(/^attempt \d+ failed$/);
    const error = await failing.catch((e: Error) => e);
    expect(error.message).toBe(`attempt ${attempt} failed`);
    expect(attempt).toBeGreaterThan(1);
  });

  it('a failing expect inside eventually fails the enclosing test with that message', async () => {
    // Runs a real test body the way Jest does: the awaited rejection is what Jest reports.
    const testBody = async () => {
      await eventually(() => expect('nginx answered 502').toContain('200'), { timeoutMs: 50, everyMs: 10 });
    };

    const reported = await testBody().then(
      () => 'the test passed',
      (error: Error) => error.message,
    );

    expect(reported).toContain('expect(received).toContain(expected)');
    expect(reported).toContain('Expected substring: "200"');
    expect(reported).toContain('Received string:    "nginx answered 502"');
  });

  it('treats a returned boolean as a mistake instead of silently passing on false', async () => {
    await expect(eventually(() => false, { timeoutMs: 100 })).rejects.toThrow(/returned a boolean/);
    await expect(eventually(async () => true, { timeoutMs: 100 })).rejects.toThrow(/returned a boolean/);
  });

  it('accepts undefined from an assertion-only check', async () => {
    await expect(eventually(() => expect(1).toBe(1))).resolves.toBeUndefined();
  });

  it('runs the check at least once even with no time at all', async () => {
    await expect(eventually(() => 'ok', { timeoutMs: 0 })).resolves.toBe('ok');
  });
});

describe('sleep', () => {
  it('waits at least the given time', async () => {
    const started = Date.now();

    await sleep(30);

    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
