import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import express from 'express';
import { configureViews } from '../../app/src/app';
import { mapDbError } from '../../app/src/db/errors';
import { errorHandler, notFoundHandler } from '../../app/src/errors/handlers';
import { HttpError } from '../../app/src/errors/http-error';
import { jsonUnder } from '../../app/src/http/negotiation';

/** A tiny app (no database, the app's view settings) with routes that throw, to check the error pages. */
async function serve(showStack: boolean) {
  const app = express();
  configureViews(app, { appName: 'Error Page Test', env: 'test', version: 'test' });
  app.get('/boom', () => {
    throw new Error('kaboom-internal-detail');
  });
  app.get('/busy', () => {
    throw new HttpError(503, 'Busy right now', undefined, { headers: { 'Retry-After': '2' } });
  });
  app.get('/db-down', () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoNetworkError' });
  });
  app.use('/api', (_req, _res, next) => next());
  app.use(notFoundHandler);
  app.use(errorHandler({ showStack, mappers: [mapDbError], wantsJson: jsonUnder(['/api']) }));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = (url: string, accept = 'text/html') =>
    axios.get(base + url, { validateStatus: () => true, headers: { accept } });
  return { get, close: () => new Promise((r) => server.close(r)) };
}

describe('error pages', () => {
  it('renders a 500 page without the stack or message in production', async () => {
    const s = await serve(false);

    const res = await s.get('/boom');
    await s.close();

    expect(res).toMatchObject({
      status: 500,
      headers: { 'content-type': expect.stringMatching(/text\/html/) },
    });
    expect(res.data).toContain('500');
    expect(res.data).not.toContain('kaboom-internal-detail');
    expect(res.data).not.toMatch(/at .*\.ts:\d+/);
  });

  it('shows the stack outside production', async () => {
    const s = await serve(true);

    const res = await s.get('/boom');
    await s.close();

    expect(res.status).toBe(500);
    expect(res.data).toContain('kaboom-internal-detail');
  });

  it('answers JSON errors to API paths and JSON-only clients', async () => {
    const s = await serve(false);

    const api = await s.get('/api/nothing');
    const boom = await s.get('/boom', 'application/json');
    await s.close();

    expect(api).toMatchObject({ status: 404, data: { error: 'Not found' } });
    expect(boom).toMatchObject({ status: 500, data: { error: 'Internal Server Error' } });
  });

  it("answers a feature's HttpError(503) with the 503 page and its own Retry-After", async () => {
    const s = await serve(false);

    const res = await s.get('/busy');
    await s.close();

    expect(res).toMatchObject({ status: 503, headers: { 'retry-after': '2', 'cache-control': 'no-store' } });
    expect(res.data).toContain('503 · Temporarily unavailable');
    expect(res.data).toContain('Busy right now');
  });

  it('answers a database outage (mapped in db/) with 503, Retry-After 5, as a page and as JSON', async () => {
    const s = await serve(false);

    const page = await s.get('/db-down');
    const json = await s.get('/db-down', 'application/json');
    await s.close();

    expect(page).toMatchObject({ status: 503, headers: { 'retry-after': '5' } });
    expect(page.data).toContain('The database is not available right now');
    expect(page.data).not.toContain('ECONNREFUSED');
    expect(json).toMatchObject({ status: 503, data: { error: 'The database is not available right now' } });
  });
});
