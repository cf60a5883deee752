import { stopServer } from '../../app/src/server';
import { dbNameFor, startTestServer, type TestServer } from '../support/http';
import { postFields, postPaths } from '../support/posts';

jest.setTimeout(30_000);

describe('the API description', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startTestServer({ DB_NAME: dbNameFor(__filename) });
  });
  afterAll(async () => {
    await stopServer(t.running);
  });

  it('serves OpenAPI 3.1 for every API route, with the request schemas the app validates with', async () => {
    const res = await t.http.get('/api/openapi.json');
    const doc = res.data;

    expect(res.status).toBe(200);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([postPaths.api, postPaths.apiItem('{id}')]);
    expect(Object.keys(doc.paths[postPaths.apiItem('{id}')]).sort()).toEqual(['delete', 'get', 'patch']);
    const create = doc.paths[postPaths.api].post;
    expect(create.security).toEqual([{ bearerAuth: [] }]);
    const schema = create.requestBody.content['application/json'].schema;
    expect(schema).toMatchObject({
      type: 'object',
      properties: { title: { type: 'string', maxLength: 200 } },
    });
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining([...postFields]));
    expect(schema.required).toEqual(expect.arrayContaining(['title']));
    expect(Object.keys(doc.paths[postPaths.apiItem('{id}')].patch.responses)).toEqual(
      expect.arrayContaining(['200', '401', '403', '404', '412', '428']),
    );
  });

  it('serves the API console from the app itself, with a CSP that allows only its own scripts', async () => {
    const page = await t.http.get('/api/docs');
    const bundle = await t.http.get('/api/docs/ui/swagger-ui-bundle.js');

    expect(page.status).toBe(200);
    expect(page.data).toContain('<script src="/api/docs/ui/swagger-ui-bundle.js"></script>');
    expect(page.data).not.toMatch(/https?:\/\//); // nothing from a CDN
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(bundle.status).toBe(200);
  });
});
