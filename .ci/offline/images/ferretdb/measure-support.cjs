// What measure-listing.cjs and measure-findbyid.cjs share: the settings both take (N from argv, MONGO_IMAGE,
// FERRETDB_BIN), the stock and patched FerretDB containers with a client each, psql inside them, the timing
// (median of runs) and the stock / patched table. Not part of the image recipe (images.sh does not hash it).
'use strict';
const { execFileSync } = require('node:child_process');
const { setTimeout: sleep } = require('node:timers/promises');
const { MongoClient, ObjectId } = require(require.resolve('mongodb', { paths: [process.cwd()] }));

const N = Number(process.argv[2] || 100_000);
const image = process.env.MONGO_IMAGE || 'posts-offline/ferretdb:1.24.2-pg15';
const binary = process.env.FERRETDB_BIN;

const docker = (...args) => execFileSync('docker', args, { encoding: 'utf8' }).trim();
/** psql in container `name`, as FerretDB's PostgreSQL user over the socket in /tmp, on its database. */
const psql = (name, ...args) =>
  docker('exec', name, 'psql', '-h', '/tmp', '-U', 'ferretdb', 'ferretdb', ...args);

/** The same ids in every run and container, so both servers hold the same documents. */
const idOf = (i) => new ObjectId(i.toString(16).padStart(24, '0'));

/** Container `name` of the image with the pushdown off (0) or on (1), once healthy, and a client to it. */
async function start(name, pushdown, clientOptions) {
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
    ...clientOptions,
  });
  return { name, client, posts: client.db('bench').collection('posts') };
}

/**
 * Runs `body([stock, patched])` against `${prefix}-stock` (pushdown off) and `${prefix}-patched` (on), then
 * closes the clients and removes the containers, also those already started when a later one fails.
 * Any error is printed and ends the process with status 1.
 */
function withServers(prefix, clientOptions, body) {
  const names = [`${prefix}-stock`, `${prefix}-patched`];
  const servers = [];
  (async () => {
    try {
      for (const [pushdown, name] of names.entries())
        servers.push(await start(name, pushdown, clientOptions));
      await body(servers);
    } finally {
      for (const s of servers) await s.client.close();
      // Every name, not only the started ones: start() may fail after `docker run` created the container.
      for (const name of names) docker('rm', '-f', '-v', name);
    }
  })().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/** Inserts documents 0..N-1 from `docs(from, to)` in batches of 1000. */
async function insertAll(posts, docs) {
  for (let i = 0; i < N; i += 1000)
    await posts.insertMany(docs(i, Math.min(N, i + 1000)), { ordered: false });
}

/** Runs `fn(i)` `runs` times; the median time in ms and the last run's result. */
async function time(runs, label, fn) {
  const ms = [];
  let result;
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    result = await fn(i);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { label, ms: ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)], result };
}

/** The stock / patched table; `medians` says how many runs each figure is the median of. */
function printComparison(stock, patched, { medians, stockDigits }) {
  console.log(
    `\n${N} documents, ${image}${binary ? ` with ${binary}` : ''}, medians of ${medians}\n` +
      '| query | stock | patched | same result |\n|---|---|---|---|',
  );
  stock.forEach((s, i) => {
    const p = patched[i];
    const same = JSON.stringify(s.result) === JSON.stringify(p.result);
    console.log(`| ${s.label} | ${s.ms.toFixed(stockDigits)} ms | ${p.ms.toFixed(1)} ms | ${same} |`);
  });
}

/** The PostgreSQL table (in schema bench) that holds the posts collection in container `name`. */
const postsTable = (name) =>
  psql(
    name,
    '-At',
    '-c',
    "SELECT tablename FROM pg_tables WHERE schemaname = 'bench' AND tablename LIKE 'posts_%'",
  );

module.exports = { N, ObjectId, idOf, insertAll, postsTable, printComparison, psql, time, withServers };
