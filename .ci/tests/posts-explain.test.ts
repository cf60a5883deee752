import { mongo, type Connection } from 'mongoose';
import { LISTING_SORT, sortObject } from '../../app/src/listing/listing-sort';
import { resource, type ResourceModel } from '../../app/src/resource';
import { mongoImage } from '../../test/support/mongo';
import { dbNameFor } from '../../test/support/http';
import {
  datedPost,
  legacyPost,
  monitoredConnection,
  type SentCommand,
} from '../../test/support/posts-listing';

/** true on the official MongoDB server, false on the FerretDB stand-in (its buildInfo names itself). */
export async function isRealMongo(connection: Connection): Promise<boolean> {
  const info = await connection.db!.admin().command({ buildInfo: 1 });
  return !('ferretdbVersion' in info) && !('ferretdb' in info);
}

jest.setTimeout(120_000);

const DOCS = 300;
const LIMIT = 20;
const INDEX_KEY = sortObject(LISTING_SORT);
const FIND_LABELS = ['page 1', 'page 5 by number', 'deep page by cursor', 'undated tail'] as const;

/** Every `stage` (and `indexName`) in a plan tree, whatever its nesting (classic and slot-based explain). */
function planFacts(node: unknown, out = { stages: [] as string[], indexes: [] as string[] }) {
  if (Array.isArray(node)) node.forEach((n) => planFacts(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'stage' && typeof value === 'string') out.stages.push(value);
      else if (key === 'indexName' && typeof value === 'string') out.indexes.push(value);
      else planFacts(value, out);
    }
  }
  return out;
}

/**
 * explain() of exactly the commands PostsService sends (captured from the driver). On MongoDB: the listing is
 * an index scan with no SORT stage and a bounded number of keys examined, and the total is a metadata count.
 * On the FerretDB stand-in (no index-backed sort in v1.24 unless patched) it asserts what holds there and
 * prints the pushdown flags. Never passes without asserting: the branch taken is printed.
 */
describe('the listing is served by its index (explain)', () => {
  let connection: Connection;
  let Post: ResourceModel;
  let commands: SentCommand[];
  let realMongo: boolean;
  let finds: { label: string; command: SentCommand; skip: number }[];

  beforeAll(async () => {
    ({ connection, Post, commands } = await monitoredConnection(dbNameFor(__filename)));
    realMongo = await isRealMongo(connection);
    console.log(`[posts-explain] database: ${mongoImage()} -> ${realMongo ? 'MongoDB' : 'FerretDB'} branch`);
    await Post.collection.deleteMany({});
    await Post.collection.insertMany([
      ...Array.from({ length: DOCS }, (_, i) =>
        datedPost(`p${i}`, new Date(Date.UTC(2024, 0, 1) - i * 1000)),
      ),
      ...Array.from({ length: 5 }, (_, i) => legacyPost(`legacy ${i}`)),
    ]);

    // The listing as users reach it: page 1, a deep page by number, a deep page by cursor, the undated tail.
    const posts = new resource.Service(Post);
    const grab = async (label: string, skip: number, run: () => Promise<unknown>) => {
      commands.length = 0;
      await run();
      const command = commands.find(
        (c) =>
          c.name === 'find' &&
          (label !== FIND_LABELS[3] || ('filter' in c && JSON.stringify(c.filter).includes('null'))),
      );
      if (!command) throw new Error(`no find command captured for ${label}`);
      return { label, command, skip };
    };
    finds = [];
    finds.push(await grab(FIND_LABELS[0], 0, () => posts.listPage(1, LIMIT)));
    finds.push(await grab(FIND_LABELS[1], 4 * LIMIT, () => posts.listPage(5, LIMIT)));
    const deep = await posts.listPage(13, LIMIT);
    finds.push(
      await grab(FIND_LABELS[2], 0, () => posts.listBefore(posts.cursors.decode(deep.next!), LIMIT)),
    );
    const last = await posts.listPage(15, LIMIT);
    finds.push(
      await grab(FIND_LABELS[3], 0, () => posts.listBefore(posts.cursors.decode(last.next!), LIMIT)),
    );
  });
  afterAll(async () => {
    await connection?.close();
  });

  const explain = (command: SentCommand) => {
    // maxTimeMS is a generic argument: it goes on the explain command itself rather than inside.
    const { name, maxTimeMS, ...fields } = command;
    // FerretDB's explain insists on a 64-bit skip (its find does not); MongoDB takes either.
    if (typeof fields.skip === 'number') fields.skip = mongo.Long.fromNumber(fields.skip);
    return connection.db!.command({
      explain: { [name]: fields[name], ...fields },
      verbosity: 'executionStats',
      maxTimeMS,
    });
  };

  it('has the compound index built from the listing sort spec', async () => {
    const indexes = (await Post.collection.listIndexes().toArray()) as mongo.Document[];

    expect(indexes.map((i) => i.key)).toContainEqual(INDEX_KEY);
  });

  it('sends the listing sort with every find', () => {
    for (const { command } of finds) {
      expect(Object.fromEntries(command.sort as Map<string, number>)).toEqual(INDEX_KEY);
    }
  });

  it.each(FIND_LABELS.map((label, n) => [label, n] as const))(
    'explains the %s query (MongoDB: index scan, no sort stage, bounded keys)',
    async (_label, n) => {
      const { label, command, skip } = finds[n]!;
      const result = await explain(command);
      const { stages, indexes } = planFacts(result.queryPlanner?.winningPlan);
      console.log(
        `[posts-explain] ${label}: ${JSON.stringify(realMongo ? { stages, indexes, keys: result.executionStats?.totalKeysExamined } : { sortPushdown: result.sortPushdown, filterPushdown: result.filterPushdown, limitPushdown: result.limitPushdown })}`,
      );

      expect(result.ok).toBe(1);
      if (realMongo) {
        expect(stages).toContain('IXSCAN');
        expect(stages).not.toContain('SORT');
        expect(stages).not.toContain('COLLSCAN');
        expect(new Set(indexes)).toEqual(new Set(['createdAt_-1__id_-1']));
        // A scan would examine all DOCS + 5 keys; the index walk stops after the page (+1, and +1 per $or branch).
        expect(result.executionStats.totalKeysExamined).toBeLessThanOrEqual(skip + 2 * (LIMIT + 1) + 2);
      } else {
        // FerretDB 1.24 answers explain with its own plan format: the command it ran (with our sort and
        // limit + 1) and whether the sort was pushed down to its storage, which the stand-in's patch switches on.
        expect(result.command).toMatchObject({ sort: INDEX_KEY, limit: LIMIT + 1 });
        expect(typeof result.sortPushdown).toBe('boolean');
        expect(result.queryPlanner).toEqual(expect.any(Object));
      }
    },
  );

  it('counts from collection metadata, not by scanning (estimatedDocumentCount)', async () => {
    commands.length = 0;
    await new resource.Service(Post).listPage(1, LIMIT);
    const count = commands.find((c) => c.name === 'count')!;
    const result = await explain(count);
    const { stages } = planFacts(result.queryPlanner?.winningPlan);
    console.log(
      `[posts-explain] count: ${JSON.stringify(realMongo ? { stages } : { queryPlanner: result.queryPlanner })}`,
    );

    expect(count).not.toHaveProperty('query');
    expect(result.ok).toBe(1);
    if (realMongo) {
      expect(stages).toContain('RECORD_STORE_FAST_COUNT');
      expect(stages).not.toContain('COLLSCAN');
    } else expect(result.command).toMatchObject({ count: Post.collection.collectionName });
  });
});
