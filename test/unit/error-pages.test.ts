import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import express from 'express';
import { errorHandler, notFoundHandler } from '../../app/src/errors/handlers';
import { VIEWS_DIR } from '../../app/src/paths';

/** A tiny app (no database) with a route that throws, to check the 500 page in each environment. */
async function serve(showStack: boolean) {
  const app = express();
  app.set('view engine', 'ejs');
  app.set('views', VIEWS_DIR);
  app.locals.version = 'test';
  app.get('/boom', () => {
    throw new Error('kaboom-internal-detail');
  });
  app.use('/api', (_req, _res, next) => next());
  app.use(notFoundHandler);
  app.use(errorHandler({ showStack }));
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
});
