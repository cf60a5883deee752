import path from 'node:path';
import { Router, type Express } from 'express';
import { HttpError } from '../errors/http-error';
import { homeLinks } from '../http/home-links';
import { prefersJson } from '../http/negotiation';
import { FibonacciRunner, parseFibonacciN } from './fibonacci';

/**
 * The demo's page lives in this folder, so deleting the folder removes it. An absolute path bypasses the
 * app's views directory; its includes ('partials/header') still resolve there. The build copies *.ejs from
 * app/src into app/dist (`npm run build`), so this path works from src and from dist.
 */
export const FIBONACCI_VIEW = path.join(__dirname, 'fibonacci.ejs');

/** GET /fibonacci/:n — CPU-heavy on purpose, computed in a worker thread so other requests keep flowing. */
export function fibonacciRouter(runner: FibonacciRunner): Router {
  const router = Router();
  router.get('/fibonacci/:n', async (req, res) => {
    const parsed = parseFibonacciN(req.params.n);
    if (!parsed.ok) throw new HttpError(400, parsed.error);
    const started = process.hrtime.bigint();
    // A client that leaves (closed tab, nginx's timeout) stops its computation: the worker is terminated.
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort(new Error('client closed the connection'));
    });
    let result: number;
    try {
      result = await runner.compute(parsed.n, clientGone.signal);
    } catch (error) {
      if (clientGone.signal.aborted) return; // nobody to answer
      throw error;
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    res.set('Cache-Control', 'no-store');
    const payload = { n: parsed.n, result, ms: Math.round(ms) };
    if (prefersJson(req)) res.json(payload);
    else res.render(FIBONACCI_VIEW, { title: `Fibonacci ${parsed.n}`, ...payload });
  });
  return router;
}

/**
 * The whole demo in one call, made by app.ts through its line in demos.ts: its route and its home-page link.
 * Forks that do not want it delete app/src/fibonacci/ and that line.
 */
export function mountFibonacciDemo(app: Express, runner = new FibonacciRunner()): void {
  homeLinks(app).push({ href: '/fibonacci/30', label: 'Burn some CPU: /fibonacci/30' });
  app.use(fibonacciRouter(runner));
}
