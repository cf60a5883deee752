/**
 * Container HEALTHCHECK without curl: `node dist/healthcheck.js`.
 * GET http://127.0.0.1:$PORT/readyz -> exit 0 on 200, exit 1 on anything else or after 2 s.
 */
import http from 'node:http';

const port = Number(process.env.PORT) || 3000;
const req = http.get({ host: '127.0.0.1', port, path: '/readyz', timeout: 2_000 }, (res) => {
  res.resume();
  process.exit(res.statusCode === 200 ? 0 : 1);
});
req.on('timeout', () => {
  req.destroy();
  process.exit(1);
});
req.on('error', () => process.exit(1));
