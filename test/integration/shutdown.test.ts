import http from 'node:http';
import axios from 'axios';
import { startServer, stopServer } from '../../app/src/server';
import { dbNameFor, testConfig } from '../support/http';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(30_000);

// No keep-alive: every request opens its own connection, so "new connections are refused" is observable.
const agent = new http.Agent({ keepAlive: false });
const get = (url: string, accept = 'application/json') =>
  axios.get(url, { httpAgent: agent, validateStatus: () => true, headers: { accept }, timeout: 20_000 });

describe('graceful shutdown', () => {
  it('turns readiness 503 first, lets an in-flight request finish, then refuses new connections', async () => {
    const running = await startServer(
      testConfig({ DB_NAME: dbNameFor(__filename), SHUTDOWN_DELAY_MS: '400' }),
    );
    await running.dbReady;
    const events: string[] = [];
    expect((await get(`${running.url}/readyz`)).status).toBe(200);

    const inFlight = get(`${running.url}/fibonacci/37`).then((r) => {
      events.push('in-flight done');
      return r;
    });
    await new Promise((r) => setTimeout(r, 100)); // the request is now being computed
    const stopping = stopServer(running).then(() => events.push('stopped'));
    const readyDuringDrain = await get(`${running.url}/readyz`);
    events.push('readyz answered');

    const slow = await inFlight;
    await stopping;
    const after = await get(`${running.url}/healthz`).catch((err: { code?: string }) => err);

    expect(readyDuringDrain).toMatchObject({ status: 503, data: { status: 'shutting-down' } });
    expect(slow).toMatchObject({ status: 200, data: { n: 37, result: 24_157_817 } });
    expect(after).toMatchObject({ code: 'ECONNREFUSED' });
    // Readiness flipped while the request was still being computed; the request then completed normally.
    expect(events.indexOf('readyz answered')).toBeLessThan(events.indexOf('in-flight done'));
    expect(events).toContain('stopped');
    expect(running.db.isConnected()).toBe(false);
  });

  it('without a delay, stops accepting immediately while the in-flight request still completes', async () => {
    const running = await startServer(testConfig({ DB_NAME: dbNameFor(__filename) }));
    await running.dbReady;

    const inFlight = get(`${running.url}/fibonacci/36`);
    await new Promise((r) => setTimeout(r, 100));
    const stopping = stopServer(running);
    const refused = await get(`${running.url}/healthz`).catch((err: { code?: string }) => err);
    const slow = await inFlight;
    await stopping;

    expect(running.readiness.shuttingDown).toBe(true);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(slow).toMatchObject({ status: 200, data: { result: 14_930_352 } });
  });

  it('closes a reused keep-alive connection after its response while draining', async () => {
    const running = await startServer(
      testConfig({ DB_NAME: dbNameFor(__filename), SHUTDOWN_DELAY_MS: '500' }),
    );
    await running.dbReady;
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const getReusing = (path: string) =>
      axios.get(`${running.url}${path}`, { httpAgent: keepAlive, validateStatus: () => true });
    const before = await getReusing('/healthz');

    const stopping = stopServer(running);
    const during = await getReusing('/healthz'); // same socket, inside the shutdown delay
    await stopping;
    keepAlive.destroy();

    expect(before.headers.connection).toBe('keep-alive');
    expect(during).toMatchObject({ status: 200, headers: { connection: 'close' } });
  });

  it('is safe to call twice', async () => {
    const running = await startServer(testConfig({ DB_NAME: dbNameFor(__filename) }));
    await running.dbReady;

    await Promise.all([stopServer(running), stopServer(running)]);

    expect(running.server.listening).toBe(false);
  });
});
