#!/usr/bin/env node
// Times the post page's lookup by _id (Mongoose findById(...).maxTimeMS(...).lean(): a find with
// {_id: ObjectId}, limit 1, singleBatch, maxTimeMS) on the FerretDB stand-in with the pushdown off (stock)
// and on (patched), on the same N documents, and shows PostgreSQL's plan for the patched SQL.
//   node .ci/offline/images/ferretdb/measure-findbyid.cjs [N=100000]
// Starts two containers of $MONGO_IMAGE (FERRETDB_PUSHDOWN_LISTING=0 / 1) on 127.0.0.1, removes them after.
// FERRETDB_BIN=/path/to/ferretdb mounts that binary into both. RUNS (default 9): each figure is a median.
// Run from the repository root (it loads the mongodb driver from node_modules).
'use strict';
const {
  N,
  ObjectId,
  idOf,
  insertAll,
  postsTable,
  printComparison,
  psql,
  time: timeRuns,
  withServers,
} = require('./measure-support.cjs');

const runs = Number(process.env.RUNS || 9);

// 1% legacy documents (title and body only), as the original app wrote them.
function docs(from, to) {
  const out = [];
  for (let i = from; i < to; i++) {
    if (i % 100 === 7) out.push({ _id: idOf(i), title: `legacy ${i}`, body: 'b' });
    else
      out.push({ _id: idOf(i), title: `post ${i}`, body: 'b', author: 'a', createdAt: new Date(i * 1000) });
  }
  return out;
}

const time = (label, fn) => timeRuns(runs, label, fn);

// findOne is what Mongoose's findById sends: find {_id}, limit 1, singleBatch; maxTimeMS as the app sets it.
const byId = (posts, id) => posts.findOne({ _id: id }, { maxTimeMS: 5000 });
const queries = (posts) =>
  Promise.resolve().then(async () => [
    await time('findById, existing (varied ids)', (i) => byId(posts, idOf(Math.floor((N / runs) * i) + 1))),
    await time('findById, missing', () => byId(posts, new ObjectId('f'.repeat(24)))),
    await time('findById, legacy doc', () => byId(posts, idOf(N - 93))),
    await time('find {_id: {$eq}}', () => posts.find({ _id: { $eq: idOf(N / 2) } }).toArray()),
  ]);

// monitorCommands: to print the command findById sends, from the driver's commandStarted event.
withServers('ferret-findbyid', { monitorCommands: true }, async (servers) => {
  for (const s of servers) {
    await s.posts.drop().catch(() => {});
    await insertAll(s.posts, docs);
    psql(s.name, '-qc', 'VACUUM ANALYZE');
  }
  let sent;
  servers[0].client.once('commandStarted', (e) => (sent = e.command));
  await byId(servers[0].posts, idOf(1));
  const command = Object.fromEntries(
    ['find', 'filter', 'limit', 'singleBatch', 'maxTimeMS'].map((k) => [k, sent[k]]),
  );
  console.log('the command findById sends:', JSON.stringify(command));
  const stock = await queries(servers[0].posts);
  const patched = await queries(servers[1].posts);
  printComparison(stock, patched, { medians: runs, stockDigits: 1 });
  const name = servers[1].name;
  const table = postsTable(name);
  const id = `'"${idOf(N / 2).toHexString()}"'::jsonb`;
  const sql = `SELECT _jsonb FROM bench.${table} WHERE (_jsonb->'_id') = ${id} AND _jsonb->'$s'->'p'->'_id'->'t' = '"objectId"'`;
  console.log(`\nEXPLAIN (patched):\n${psql(name, '-At', '-c', `EXPLAIN ${sql}`)}`);
  const stockSql = `SELECT _jsonb FROM bench.${table} WHERE _jsonb->'_id' @> ${id}`;
  console.log(`\nEXPLAIN (stock):\n${psql(name, '-At', '-c', `EXPLAIN ${stockSql}`)}`);
});
