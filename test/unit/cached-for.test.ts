import { cachedFor } from '../../app/src/listing/cached-for';

describe('cachedFor (the listing total is reused for a few seconds)', () => {
  const counter = (results: (() => Promise<number>)[]) => {
    let calls = 0;
    const load = () => results[calls++]!();
    return { load, calls: () => calls };
  };

  it('reuses one answer within the time, and asks again after it', async () => {
    let clock = 1_000;
    const source = counter([async () => 10, async () => 20]);
    const total = cachedFor(5_000, source.load, () => clock);

    const first = await total();
    clock += 4_999;
    const within = await total();
    clock += 1;
    const after = await total();

    expect([first, within, after]).toEqual([10, 10, 20]);
    expect(source.calls()).toBe(2);
  });

  it('shares one pending call between concurrent callers', async () => {
    const source = counter([async () => 7]);
    const total = cachedFor(5_000, source.load, () => 0);

    const answers = await Promise.all([total(), total(), total()]);

    expect(answers).toEqual([7, 7, 7]);
    expect(source.calls()).toBe(1);
  });

  it('never remembers a failure', async () => {
    const source = counter([() => Promise.reject(new Error('down')), async () => 3]);
    const total = cachedFor(5_000, source.load, () => 0);

    await expect(total()).rejects.toThrow('down');
    await expect(total()).resolves.toBe(3);
  });

  it('asks every time with 0', async () => {
    const source = counter([async () => 1, async () => 2]);
    const total = cachedFor(0, source.load, () => 0);

    expect([await total(), await total()]).toEqual([1, 2]);
  });
});
