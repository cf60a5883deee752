#!/usr/bin/env node
// Times the post page's lookup by _id (Mongoose findById(...).maxTimeMS(...).lean(): a find with
// {_id: ObjectId}, limit 1, singleBatch, maxTimeMS) on the FerretDB stand-in with the pushdown off (stock)
// and on (patched), on the same N documents, and shows PostgreSQL's plan for the patched SQL.
//   node .ci/offline/images/ferretdb/measure-findbyid.cjs [N=100000]
// Starts two containers of $MONGO_IMAGE (FERRETDB_PUSHDOWN_LISTING=0 / 1) on 127.0.0.1, removes them after.
// FERRETDB_BIN=/path/to/ferretdb mounts that binary into both. RUNS (default 9): each figure is a median.
// Run from the repository root (it loads the mongodb driver from node_modules).
'use strict';
const { execFileSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');
const { MongoClient, ObjectId } = require(require.resolve('mongodb', { paths: [process.cwd()] }));

const N = Number(process.argv[2] || 100_000);
const image = process.env.MONGO_IMAGE || 'posts-offline/ferretdb:1.24.2-pg15';
const binary = process.env.FERRETDB_BIN;
const runs = Number(process.env.RUNS || 9);
const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
const psql = (name, ...args) =>
  docker('exec', name, 'psql', '-h', '/tmp', '-U', 'ferretdb', 'ferretdb', ...args);

async function start(name, pushdown) {
  docker('rm', '-f', name);
  docker(
    'run',
    '-d',
    '--name',
    name,
    '-e',
    `FERRETDB_PUSHDOWN_LISTING=${pushdown}`,
    ...(binary ? ['-v', `${binary}:/usr/local/bin/ferretdb:ro`] : []),
    '-p',
    '127.0.0.1::27017',
    image,
  );
  const port = docker('port', name, '27017/tcp').split(':').pop();
  for (let i = 0; i < 240; i++) {
    const [state, health] = docker('inspect', '-f', '{{.State.Status}} {{.State.Health.Status}}', name).split(
      ' ',
    );
    if (health === 'healthy') break;
    if (state !== 'running') throw new Error(`${name} ${state}:\n${docker('logs', '--tail', '20', name)}`);
    await sleep(500);
  }
  const client = await MongoClient.connect(`mongodb://127.0.0.1:${port}/bench`, {
    serverSelectionTimeoutMS: 60_000,
    monitorCommands: true,
  });
  return { name, client, posts: client.db('bench').collection('posts') };
}

// 1% legacy documents (title and body only), as the original app wrote them.
const idOf = (i) => new ObjectId(i.toString(16).padStart(24, '0'));
function docs(from, to) {
  const out = [];
  for (let i = from; i < to; i++) {
    if (i % 100 === 7) out.push({ _id: idOf(i), title: `legacy ${i}`, body: 'b' });
    else
      out.push({ _id: idOf(i), title: `post ${i}`, body: 'b', author: 'a', createdAt: new Date(i * 1000) });
  }
  return out;
}

async function time(label, fn) {
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = await fn(i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { label, ms: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)], result };
}

// findOne is what Mongoose's findById sends: find {_id}, limit 1, singleBatch; maxTimeMS as the app sets it.
const byId = (posts, id) => posts.findOne({ _id: id }, { maxTimeMS: 5000 });
const queries = (posts) =>
  Promise.resolve().then(async () => [
    await time('findById, existing (varied ids)', (i) => byId(posts, idOf(Math.floor((N / runs) * i) + 1))),
    await time('findById, missing', () => byId(posts, new ObjectId('f'.repeat(24)))),
    await time('findById, legacy doc', () => byId(posts, idOf(N - 93))),
    await time('find {_id: {$eq}}', () => posts.find({ _id: { $eq: idOf(N / 2) } }).toArray()),
  ]);

(async () => {
  const servers = [await start('ferret-findbyid-stock', 0), await start('ferret-findbyid-patched', 1)];
  try {
    for (const s of servers) {
      await s.posts.drop().catch(() => {});
      for (let i = 0; i < N; i += 1000)
        await s.posts.insertMany(docs(i, Math.min(N, i + 1000)), { ordered: false });
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
    console.log(
      `\n${N} documents, ${image}${binary ? ` with ${binary}` : ''}, medians of ${runs}\n` +
        '| query | stock | patched | same result |\n|---|---|---|---|',
    );
    stock.forEach((s, i) => {
      const p = patched[i];
      const same = JSON.stringify(s.result) === JSON.stringify(p.result);
      console.log(`| ${s.label} | ${s.ms.toFixed(1)} ms | ${p.ms.toFixed(1)} ms | ${same} |`);
    });
    const name = servers[1].name;
    const table = psql(
      name,
      '-At',
      '-c',
      "SELECT tablename FROM pg_tables WHERE schemaname = 'bench' AND tablename LIKE 'posts_%'",
    );
    const id = `'"${idOf(N / 2).toHexString()}"'::jsonb`;
    const sql = `SELECT _jsonb FROM bench.${table} WHERE (_jsonb->'_id') = ${id} AND _jsonb->'$s'->'p'->'_id'->'t' = '"objectId"'`;
    console.log(`\nEXPLAIN (patched):\n${psql(name, '-At', '-c', `EXPLAIN ${sql}`)}`);
    const stockSql = `SELECT _jsonb FROM bench.${table} WHERE _jsonb->'_id' @> ${id}`;
    console.log(`\nEXPLAIN (stock):\n${psql(name, '-At', '-c', `EXPLAIN ${stockSql}`)}`);
  } finally {
    for (const s of servers) {
      await s.client.close();
      docker('rm', '-f', '-v', s.name);
    }
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
