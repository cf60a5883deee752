/**
 * Benchmark baseline, never part of the app: the original app's GET /posts, served at /render-all, which loads
 * EVERY post with Post.find({}) (full Mongoose documents) and renders them all as <h3>title</h3><p>body</p>,
 * whatever the page asked for. It reads the same database as the app (same DB_* variables).
 *
 * Run by scripts/bench/compose.bench.yml inside the app image (Node 24 strips the types itself), or on the host
 * with `npx tsx scripts/bench/render-all-baseline.ts` when DB_HOST points at a reachable MongoDB.
 * Only erasable TypeScript syntax is used here, so plain `node` can run it.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
// @ts-expect-error ejs ships no type declarations and the app has no @types/ejs (compile() is all we use)
import ejs from 'ejs';
import express from 'express';
import mongoose from 'mongoose';

const port = Number(process.env.PORT ?? 3001);
const uri = process.env.DB_HOST ?? 'mongodb://127.0.0.1:27017';
// The app's database: DB_NAME, else package.json's product.database (cwd is /app in the image, the repo root
// on the host), as in the app's config.
const dbName =
  process.env.DB_NAME ||
  (JSON.parse(readFileSync('package.json', 'utf8')) as { product: { database: string } }).product.database;
const user = process.env.DB_USER;
const password = process.env.DB_PASSWORD_FILE
  ? readFileSync(process.env.DB_PASSWORD_FILE, 'utf8').replace(/\n$/, '')
  : process.env.DB_PASSWORD;

// The original schema, untyped, on the app's collection; the bench names the collection and the text field
// (from test/support/posts.ts), so a fork's resource is measured the same way.
const collection = process.env.BASELINE_COLLECTION ?? 'posts';
const textField = process.env.BASELINE_TEXT_FIELD ?? 'body';
const Post = mongoose.model('Post', new mongoose.Schema({}, { collection, strict: false }));

// The original view, minus its layout: every document, escaped by EJS.
const render: (data: { posts: unknown[]; textField: string }) => string = ejs.compile(
  '<!doctype html><html><head><title>All</title></head><body><h1>All</h1>' +
    '<% posts.forEach(function (post) { %><h3><%= post.get("title") %></h3><p><%= post.get(textField) %></p><% }) %>' +
    '</body></html>',
);

const app = express();
app.get('/healthz', (_req, res) => {
  res.status(mongoose.connection.readyState === 1 ? 200 : 503).json({ db: mongoose.connection.readyState });
});
app.get('/render-all', async (_req, res) => {
  const posts = await Post.find({});
  res.send(render({ posts, textField }));
});

async function main(): Promise<void> {
  // Like the app, retry: the database reports healthy before its init scripts have created the app's user,
  // so the first attempts can be refused.
  for (let attempt = 1; ; attempt++) {
    try {
      await mongoose.connect(uri, {
        dbName,
        serverSelectionTimeoutMS: 30_000,
        ...(user && password ? { auth: { username: user, password }, authSource: 'admin' } : {}),
      });
      break;
    } catch (err) {
      if (attempt >= 60) throw err;
      console.error(
        `render-all baseline: connect attempt ${attempt} failed (${(err as Error).message}); retrying`,
      );
      await mongoose.disconnect().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(port, () => console.log(`render-all baseline listening on ${port}`));
  const stop = () => {
    server.close();
    server.closeAllConnections();
    void mongoose.disconnect().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error('render-all baseline failed:', err);
  process.exit(1);
});
