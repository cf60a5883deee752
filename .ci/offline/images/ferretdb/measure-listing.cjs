#!/usr/bin/env node
// Times the posts listing's queries on the FerretDB stand-in with the listing pushdown off (stock) and on
// (patched), on the same N documents, and shows PostgreSQL's plan for each pushed-down query.
//   node .ci/offline/images/ferretdb/measure-listing.cjs [N=100000]
// Starts two containers of $MONGO_IMAGE (FERRETDB_PUSHDOWN_LISTING=0 / 1) on 127.0.0.1, removes them after.
// FERRETDB_BIN=/path/to/ferretdb mounts that binary into both (try a patch change before rebuilding the image).
// STOCK_RUNS (default 3) and PATCHED_RUNS (default 7): each figure is the median of that many runs.
// Run from the repository root (it loads the mongodb driver from node_modules).
'use strict';
const {
  N,
  idOf,
  insertAll,
  postsTable,
  printComparison,
  psql,
  time: timeRuns,
  withServers,
} = require('./measure-support.cjs');

const stockRuns = Number(process.env.STOCK_RUNS || 3);
const patchedRuns = Number(process.env.PATCHED_RUNS || 7);

// Same documents in both: 1 000 distinct timestamps (ties), 1% legacy documents without createdAt/author,
// one in ten of those with an explicit createdAt: null (MongoDB's {createdAt: null} matches both).
function docs(from, to) {
  const out = [];
  for (let i = from; i < to; i++) {
    const _id = idOf(i);
    if (i % 100 === 7 && i % 1000 === 107) out.push({ _id, title: `null ${i}`, body: 'b', createdAt: null });
    else if (i % 100 === 7) out.push({ _id, title: `legacy ${i}`, body: 'b' });
    else
      out.push({
        _id,
        title: `post ${i}`,
        body: 'b',
        author: 'a',
        createdAt: new Date(Date.UTC(2024, 0, 1) + (i % 1000) * 1000),
      });
  }
  return out;
}

// The median of `runs` runs: STOCK_RUNS on the stock server, then PATCHED_RUNS on the patched one.
let runs = stockRuns;
const time = (label, fn) => timeRuns(runs, label, fn);

async function queries(posts) {
  const sort = { createdAt: -1, _id: -1 };
  const page1 = await posts.find({}).sort(sort).limit(20).toArray();
  const last = page1.at(-1);
  const keyset = {
    $or: [{ createdAt: { $lt: last.createdAt } }, { createdAt: last.createdAt, _id: { $lt: last._id } }],
  };
  return [
    await time('sorted limit(20)', () => posts.find({}).sort(sort).limit(20).toArray()),
    await time('skip(5000).limit(20)', () => posts.find({}).sort(sort).skip(5000).limit(20).toArray()),
    await time('countDocuments({})', () => posts.countDocuments({})),
    await time('estimatedDocumentCount()', () => posts.estimatedDocumentCount()),
    await time('keyset page (limit 20)', () => posts.find(keyset).sort(sort).limit(20).toArray()),
    // The app's cursor walk past the last dated post (posts.service.ts, after()): the null tail, first page
    // and one bounded by _id; then one past every legacy document, the cost of a last page with none left.
    await time('{createdAt: null} (limit 20)', () =>
      posts.find({ createdAt: null }).sort(sort).limit(20).toArray(),
    ),
    await time('{createdAt: null, _id: {$lt}} (limit 20)', () =>
      posts
        .find({ createdAt: null, _id: { $lt: idOf(N / 2) } })
        .sort(sort)
        .limit(20)
        .toArray(),
    ),
    await time('same, past the last legacy doc (empty)', () =>
      posts
        .find({ createdAt: null, _id: { $lt: idOf(7) } })
        .sort(sort)
        .limit(20)
        .toArray(),
    ),
  ];
}

function explain(name, table, sql) {
  return psql(name, '-At', '-c', `EXPLAIN ${sql.replaceAll('{table}', table)}`);
}

withServers('ferret-measure', {}, async (servers) => {
  for (const s of servers) {
    await s.posts.drop().catch(() => {});
    await s.posts.createIndex({ createdAt: -1, _id: -1 });
    const t0 = Date.now();
    await insertAll(s.posts, docs);
    console.log(`${s.name}: inserted ${N} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    psql(s.name, '-qc', 'VACUUM ANALYZE');
  }
  const stock = await queries(servers[0].posts);
  runs = patchedRuns;
  const patched = await queries(servers[1].posts);
  printComparison(stock, patched, { medians: `${stockRuns} / ${patchedRuns}`, stockDigits: 0 });
  const name = servers[1].name;
  const table = 'bench.' + postsTable(name);
  const order = `ORDER BY (_jsonb->'createdAt') DESC, (_jsonb->'_id') DESC`;
  const present = `(SELECT _jsonb FROM {table} WHERE (_jsonb->'createdAt') IS NOT NULL AND (_jsonb->'createdAt') <> 'null' ${order})`;
  const lowest = `(SELECT _jsonb FROM {table} WHERE ((_jsonb->'createdAt') IS NULL OR (_jsonb->'createdAt') = 'null') ORDER BY (_jsonb->'_id') DESC)`;
  const listing = `SELECT _jsonb FROM (${present} UNION ALL ${lowest}) AS u`;
  const d = `'${Date.UTC(2024, 0, 1) + 500_000}'::jsonb`;
  const id = `'"${'0'.repeat(20)}ffff"'::jsonb`;
  const keyset = `SELECT _jsonb FROM {table} WHERE (_jsonb->'createdAt') <= ${d} AND (((_jsonb->'createdAt') < ${d} AND _jsonb->'$s'->'p'->'createdAt'->'t' = '"date"') OR ((_jsonb->'createdAt') = ${d} AND _jsonb->'$s'->'p'->'createdAt'->'t' = '"date"' AND (_jsonb->'_id') < ${id} AND _jsonb->'$s'->'p'->'_id'->'t' = '"objectId"')) ${order} LIMIT 20`;
  const nullTail = (bound) => {
    const part = (where) => `(SELECT _jsonb FROM {table} WHERE ${where}${bound} ${order} LIMIT 20)`;
    return `SELECT _jsonb FROM (${part("(_jsonb->'createdAt') IS NULL")} UNION ALL ${part("(_jsonb->'createdAt') = 'null'")}) AS u ORDER BY (_jsonb->'_id') DESC LIMIT 20`;
  };
  const below = `'"${idOf(N / 2).toHexString()}"'::jsonb`;
  for (const [label, sql] of [
    ['null tail', nullTail('')],
    [
      'null tail below an _id',
      nullTail(
        ` AND (_jsonb->'_id') < ${below} AND COALESCE(_jsonb->'$s'->'p'->'_id'->'t' = '"objectId"', false)`,
      ),
    ],
    ['page 1', `${listing} LIMIT 20`],
    ['skip 5000', `${listing} LIMIT 20 OFFSET 5000`],
    ['keyset', keyset],
    ['count', 'SELECT count(*) FROM {table}'],
  ]) {
    console.log(`\nEXPLAIN (${label}):\n${explain(name, table, sql)}`);
  }
});
