// The demo's own limit at the edge (nginx/snippets/demos/fibonacci.conf), through the real stack. Next to the
// demo on purpose: deleting app/src/fibonacci/ deletes this test too.
import { httpClient } from '../../../test/support/http';
import { startStack, type Stack } from '../../../test/support/stack';

jest.setTimeout(240_000);

// nginx trusts the Docker gateway's private range here, so each case plays its own client (X-Forwarded-For).
const TRUSTED = '10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.1';
let stack: Stack | undefined;
beforeAll(async () => {
  stack = await startStack({ label: 'fibonacci-edge', env: { TRUSTED_PROXY_CIDRS: TRUSTED } });
});
afterAll(async () => {
  await stack?.down();
});

let nextIp = 10;
const freshClient = () => `203.0.113.${nextIp++}`;

// Express routes case-insensitively, so every spelling reaches the CPU-heavy route: each must meet its 1 r/s.
it.each(['/fibonacci/5', '/FIBONACCI/5', '/Fibonacci/5'])(
  '%s meets the demo zone (1 r/s, burst 2), not the general 20 r/s',
  async (path) => {
    const api = httpClient(stack!.baseUrl);
    const ip = freshClient();

    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await api.get(path, { headers: { 'x-forwarded-for': ip, accept: 'application/json' } });
      statuses.push(res.status);
    }

    const ok = statuses.filter((s) => s === 200).length;
    console.log(`[fibonacci-edge] ${path} x 10 from one client: ${statuses.join(' ')}`);
    expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(5); // the first, a burst of 2, and one a second: never the general zone's 10
  },
);
