import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { refuseCrossSiteWrites } from '../../app/src/http/cross-site';
import { parseCidrs, trustProxy } from '../../app/src/http/trust-proxy';
import { loadConfig } from '../../app/src/config';

function appWith(trust: (a: string, i: number) => boolean = () => false) {
  const app = express();
  app.set('trust proxy', trust);
  app.use(refuseCrossSiteWrites());
  app.all('/x', (req, res) => res.json({ ip: req.ip, protocol: req.protocol }));
  app.use(
    (
      err: { status?: number; message: string },
      _req: express.Request,
      res: express.Response,
      // Express knows an error handler by its four parameters.
      // eslint-disable-next-line @typescript-eslint/no-unused-vars
      _next: express.NextFunction,
    ) => {
      res.status(err.status ?? 500).json({ error: err.message });
    },
  );
  return app;
}

/** A supertest-like chain over node:http, which (unlike fetch) sends Host and Sec-Fetch-* as given. */
function request(app: express.Express) {
  const send = (method: string, path: string) => {
    const headers: Record<string, string> = {};
    const chain = {
      set(name: string, value: string) {
        headers[name] = value;
        return chain;
      },
      async run(): Promise<{ status: number; body: { ip?: string } }> {
        const server = app.listen(0, '127.0.0.1');
        await new Promise((r) => server.once('listening', r));
        try {
          const { port } = server.address() as AddressInfo;
          return await new Promise((resolve, reject) => {
            const req = http.request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { ip?: string } }),
              );
            });
            req.on('error', reject);
            req.end();
          });
        } finally {
          server.close();
        }
      },
      async expect(status: number) {
        const res = await chain.run();
        expect(res.status).toBe(status);
        return res;
      },
      then<T>(resolve: (v: { status: number; body: { ip?: string } }) => T, reject?: (e: unknown) => T) {
        return chain.run().then(resolve, reject);
      },
    };
    return chain;
  };
  // Every route here is /x; the path argument only mirrors supertest's call shape.
  return { post: (path: '/x') => send('POST', path), get: (path: '/x') => send('GET', path) };
}

describe('refuseCrossSiteWrites', () => {
  it.each([
    ['cross-site', 403],
    ['same-site', 403],
    ['same-origin', 200],
    ['none', 200],
  ])('POST with Sec-Fetch-Site: %s -> %i', async (site, status) => {
    await request(appWith()).post('/x').set('Sec-Fetch-Site', site).expect(status);
  });

  it('uses Origin when Sec-Fetch-Site is absent: another host or "null" is refused, the same host passes', async () => {
    const app = appWith();
    await request(app)
      .post('/x')
      .set('Host', 'app.example')
      .set('Origin', 'https://evil.example')
      .expect(403);
    await request(app).post('/x').set('Host', 'app.example').set('Origin', 'null').expect(403);
    await request(app).post('/x').set('Host', 'app.example').set('Origin', 'https://app.example').expect(200);
  });

  it('lets a plain POST with neither header through (curl), and never looks at GET', async () => {
    await request(appWith()).post('/x').expect(200);
    await request(appWith()).get('/x').set('Sec-Fetch-Site', 'cross-site').expect(200);
  });
});

describe('trustProxy', () => {
  it('trusts the peer (nginx) and listed balancers only, so req.ip is the real client', async () => {
    const app = appWith(trustProxy(['10.0.0.0/8']));
    const res = await request(app).get('/x').set('X-Forwarded-For', '6.6.6.6, 203.0.113.7, 10.1.2.3');
    expect(res.body.ip).toBe('203.0.113.7');
    const untrusted = await request(appWith(trustProxy([])))
      .get('/x')
      .set('X-Forwarded-For', '6.6.6.6, 203.0.113.7');
    expect(untrusted.body.ip).toBe('203.0.113.7');
  });

  it('parses TRUSTED_PROXY_CIDRS and says which entry is wrong', () => {
    expect(parseCidrs('10.0.0.0/16, 172.31.0.0/16 fd00::/8')).toEqual({
      ok: true,
      cidrs: ['10.0.0.0/16', '172.31.0.0/16', 'fd00::/8'],
    });
    expect(parseCidrs('10.0.0.0/33')).toMatchObject({ ok: false });
    expect(() => loadConfig({ TRUSTED_PROXY_CIDRS: 'lb.example' })).toThrow(
      /TRUSTED_PROXY_CIDRS: "lb.example"/,
    );
    expect(loadConfig({}).trustedProxyCidrs).toEqual([]);
  });
});
