import { once } from 'node:events';
import http from 'node:http';
import axios from 'axios';
import { startServer, stopServer, type RunningServer } from '../../app/src/server';
import { apiWrite, registerAccount } from '../support/accounts';
import { holdRequest, type HeldRequest } from '../support/held-request';
import { dbNameFor, testConfig } from '../support/http';
import { jsonHeaders, postPaths, validPost } from '../support/posts';

// Real containers and real HTTP: allow for slow CI machines.
jest.setTimeout(30_000);

// No keep-alive: every request opens its own connection, so "new connections are refused" is observable.
const agent = new http.Agent({ keepAlive: false });
const get = (url: string) =>
  axios.get(url, { httpAgent: agent, validateStatus: () => true, headers: jsonHeaders, timeout: 20_000 });

/**
 * A create request that the app is inside of: its body is still arriving (the client holds back the last
 * byte), so it is in flight and not idle. Resolves once the server has received the request's headers.
 */
async function inFlightCreate(running: RunningServer, title: string): Promise<HeldRequest> {
  const writer = await registerAccount(running.url, 'shutdown');
  const received = once(running.server, 'request');
  const held = holdRequest(`${running.url}${postPaths.api}`, {
    headers: apiWrite(writer),
    body: JSON.stringify(validPost('In flight', { title })),
  });
  await received;
  return held;
}

describe('graceful shutdown', () => {
  it('turns readiness 503 first, lets an in-flight request finish, then refuses new connections', async () => {
    const running = await startServer(
      testConfig({ DB_NAME: dbNameFor(__filename), SHUTDOWN_DELAY_MS: '400' }),
    );
    await running.dbReady;
    const events: string[] = [];
    expect((await get(`${running.url}/readyz`)).status).toBe(200);
    const title = `Finished while draining ${Date.now()}`;
    const inFlight = await inFlightCreate(running, title);

    const stopping = stopServer(running).then(() => events.push('stopped'));
    const readyDuringDrain = await get(`${running.url}/readyz`);
    events.push('readyz answered');
    await inFlight.release();
    events.push('released');
    const created = await inFlight.response;
    await stopping;
    const after = await get(`${running.url}/healthz`).catch((err: { code?: string }) => err);

    expect(readyDuringDrain).toMatchObject({ status: 503, data: { status: 'shutting-down' } });
    // The request completed normally, database write included, although shutdown began while it was in flight.
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ title });
    expect(after).toMatchObject({ code: 'ECONNREFUSED' });
    // Readiness flipped while the request was in flight, and the server waited for it before stopping.
    expect(events).toEqual(['readyz answered', 'released', 'stopped']);
    expect(running.db.isConnected()).toBe(false);
  });

  it('without a delay, stops accepting immediately while the in-flight request still completes', async () => {
    const running = await startServer(testConfig({ DB_NAME: dbNameFor(__filename) }));
    await running.dbReady;
    const title = `Finished after accepting stopped ${Date.now()}`;
    const inFlight = await inFlightCreate(running, title);

    const stopping = stopServer(running);
    const refused = await get(`${running.url}/healthz`).catch((err: { code?: string }) => err);
    await inFlight.release();
    const created = await inFlight.response;
    await stopping;

    expect(running.readiness.shuttingDown).toBe(true);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    expect(created.status).toBe(201);
    expect(JSON.parse(created.body)).toMatchObject({ title });
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
