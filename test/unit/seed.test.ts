import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { batchSizes, createFakes, seedDocuments, type SeedDocument } from '../../app/src/seed/seed';
import { HELP, interpretCommandLine, parseCliArgs } from '../../app/src/seed/seed.cli';
import { resource, type ResourceModel } from '../../app/src/resource';
import mongoose from 'mongoose';

const NOW = Date.UTC(2026, 0, 1);
const titles = (seed: number | undefined, n: number) => {
  const make = createFakes({ seed, now: NOW });
  return Array.from({ length: n }, (_, i) => make(i).title);
};

describe('createFakes', () => {
  it('is deterministic for the same seed', () => {
    expect(titles(42, 20)).toEqual(titles(42, 20));
  });

  it('differs between seeds', () => {
    expect(titles(1, 20)).not.toEqual(titles(2, 20));
  });

  it('produces documents the schema accepts, newest first', async () => {
    const make = createFakes({ seed: 7, now: NOW });
    const docs = Array.from({ length: 200 }, (_, i) => make(i));
    const Model = resource.model(mongoose.createConnection());

    for (const d of docs) {
      await expect(new Model(d).validate()).resolves.toBeUndefined();
      expect(d.updatedAt).toEqual(d.createdAt);
    }
    expect(docs[0]!.createdAt.getTime()).toBe(NOW);
    expect(docs[1]!.createdAt.getTime()).toBeLessThan(docs[0]!.createdAt.getTime());
  });
});

describe('batchSizes', () => {
  it.each([
    [0, 1000, []],
    [1, 1000, [1]],
    [1000, 1000, [1000]],
    [2500, 1000, [1000, 1000, 500]],
    [100_000, 2000, new Array(50).fill(2000)],
  ])('splits %i posts in batches of %i', (count, size, expected) => {
    expect(batchSizes(count, size)).toEqual(expected);
  });

  it('rejects nonsense', () => {
    expect(() => batchSizes(-1, 10)).toThrow(RangeError);
    expect(() => batchSizes(10, 0)).toThrow(RangeError);
  });
});

describe('seedDocuments (with a fake insert)', () => {
  const fakeModel = { collection: { drop: jest.fn() }, createIndexes: jest.fn() } as unknown as ResourceModel;

  it('inserts every post in batches, at most `concurrency` at a time, and reports progress', async () => {
    const batches: number[] = [];
    let active = 0;
    let maxActive = 0;
    const insert = async (docs: SeedDocument[]) => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 2));
      batches.push(docs.length);
      active--;
    };
    const progress: number[] = [];

    const result = await seedDocuments(fakeModel, {
      count: 2_500,
      batchSize: 1_000,
      concurrency: 2,
      insert,
      onProgress: (n) => progress.push(n),
    });

    expect(result).toMatchObject({ inserted: 2_500, reset: false });
    expect(batches.sort()).toEqual([1000, 1000, 500].sort());
    expect(maxActive).toBeLessThanOrEqual(2);
    expect(progress[progress.length - 1]).toBe(2_500);
    expect(fakeModel.collection.drop).not.toHaveBeenCalled();
  });

  it('produces the same documents for the same seed', async () => {
    const run = async () => {
      const all: string[] = [];
      await seedDocuments(fakeModel, {
        count: 30,
        batchSize: 7,
        seed: 9,
        now: NOW,
        insert: async (docs) => void all.push(...docs.map((d) => d.title)),
      });
      return all;
    };

    expect(await run()).toEqual(await run());
  });

  it('drops the collection and recreates its indexes first with reset', async () => {
    const calls: string[] = [];
    const model = {
      collection: { drop: jest.fn(async () => void calls.push('drop')) },
      createIndexes: jest.fn(async () => void calls.push('indexes')),
    } as unknown as ResourceModel;

    const result = await seedDocuments(model, {
      count: 1,
      reset: true,
      insert: async () => void calls.push('insert'),
    });

    expect(result).toMatchObject({ reset: true, inserted: 1 });
    expect(calls).toEqual(['drop', 'indexes', 'insert']);
  });

  it('treats a missing collection as already empty on reset', async () => {
    const model = {
      collection: {
        drop: jest.fn(async () => Promise.reject(Object.assign(new Error('ns not found'), { code: 26 }))),
      },
      createIndexes: jest.fn(),
    } as unknown as ResourceModel;

    await expect(
      seedDocuments(model, { count: 0, reset: true, insert: async () => undefined }),
    ).resolves.toMatchObject({ reset: true });
  });
});

describe('seed CLI arguments', () => {
  it('uses defaults', () => {
    expect(parseCliArgs([], 100)).toEqual({ count: 100, reset: false, seed: undefined, batchSize: 2000 });
  });

  it('parses --count --reset --seed --batch-size', () => {
    expect(
      parseCliArgs(['--count', '100000', '--reset', '--seed', '1', '--batch-size', '5000'], 100),
    ).toEqual({
      count: 100_000,
      reset: true,
      seed: 1,
      batchSize: 5000,
    });
  });

  it.each([['--help'], ['-h'], ['--count', '5', '--help']])('%s asks for help', (...argv) => {
    expect(parseCliArgs(argv, 100)).toBe('help');
  });

  it.each([
    [['--count', 'many'], /--count must be a whole number >= 0 \(got "many"\)/],
    [['--count', '-5'], /--count/],
    [['--batch-size', '0'], /--batch-size must be a whole number >= 1/],
    [['--unknown'], /Unknown option '--unknown'/],
    [['extra'], /extra/],
  ])('rejects %j with a message naming the problem and the usage', (argv, message) => {
    expect(() => parseCliArgs(argv, 100)).toThrow(message);
    expect(() => parseCliArgs(argv, 100)).toThrow(/usage: seed .*--help/);
  });
});

describe('seed CLI command line', () => {
  it('explains every option in --help, --reset included', () => {
    for (const option of ['--count', '--reset', '--seed', '--batch-size', '--help'])
      expect(HELP).toMatch(new RegExp(`^ .*${option}\\b.*\\S`, 'm'));
    expect(HELP).toMatch(/--reset\s+empty the \w+ collection first/);
  });

  it('answers --help with exit 0, even when the configuration is invalid', () => {
    expect(interpretCommandLine(['--help'], { PORT: 'not-a-port' })).toEqual({ exit: 0, output: HELP });
  });

  it('answers bad options and bad configuration with exit 2 and the reason', () => {
    expect(interpretCommandLine(['--count', 'x'], {})).toMatchObject({
      exit: 2,
      output: expect.stringContaining('--count must be a whole number'),
    });
    expect(interpretCommandLine([], { DB_HOST: 'nope' })).toMatchObject({
      exit: 2,
      output: expect.stringContaining('DB_HOST'),
    });
  });

  it('takes the default count from SEED_COUNT', () => {
    expect(interpretCommandLine([], { SEED_COUNT: '7' })).toMatchObject({ args: { count: 7 } });
  });

  describe('as a process (tsx, no database needed)', () => {
    const run = async (...argv: string[]) => {
      const cli = path.join(__dirname, '../../app/src/seed/seed.cli.ts');
      try {
        const { stdout, stderr } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', cli, ...argv],
          { timeout: 20_000 },
        );
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: unknown; stdout?: string; stderr?: string };
        return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    };

    it('exits 0 with the help on stdout', async () => {
      const res = await run('--help');

      expect(res).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toContain('--reset');
    }, 30_000);

    it('exits 2 with the reason on stderr for a bad option', async () => {
      const res = await run('--bogus');

      expect(res).toMatchObject({ code: 2, stdout: '' });
      expect(res.stderr).toContain("Unknown option '--bogus'");
    }, 30_000);
  });
});
