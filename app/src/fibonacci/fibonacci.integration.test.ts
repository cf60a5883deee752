import { once } from 'node:events';
import { dbNameFor, startTestServer, type TestServer } from '../../../test/support/http';
import { stopServer } from '../server';

// Next to the demo on purpose: deleting app/src/fibonacci/ (and its line in app/src/demos.ts) deletes its tests too
// (jest's integration project matches app/src/**/*.integration.test.ts). No other test uses the demo.
jest.setTimeout(30_000);

const json = { headers: { accept: 'application/json' } };

describe('/fibonacci/:n', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  it('computes fibonacci(10) = 55 (HTML and JSON)', async () => {
    const html = await t.http.get('/fibonacci/10');
    const answer = await t.http.get('/fibonacci/10', json);

    expect(html.status).toBe(200);
    expect(html.data).toContain('55');
    expect(answer).toMatchObject({ status: 200, data: { n: 10, result: 55, ms: expect.any(Number) } });
  });

  it.each(['-1', '39', '1000', '3.5', 'abc'])('answers 400 for n=%s', async (n) => {
    const res = await t.http.get(`/fibonacci/${n}`, json);

    expect(res).toMatchObject({ status: 400, data: { error: expect.stringMatching(/0 to 38/) } });
  });

  it('does not block other requests while computing', async () => {
    const order: string[] = [];
    const received = once(t.running.server, 'request');
    const slow = t.http.get('/fibonacci/38', json).then((r) => {
      order.push('fibonacci');
      return r;
    });
    await received; // the app is computing now

    const started = Date.now();
    const health = await t.http.get('/healthz');
    const healthMs = Date.now() - started;
    order.push('healthz');
    const done = await slow;

    expect(health.status).toBe(200);
    expect(healthMs).toBeLessThan(1_000);
    expect(order).toEqual(['healthz', 'fibonacci']);
    expect(done).toMatchObject({ status: 200, data: { result: 39_088_169 } });
  });
});
