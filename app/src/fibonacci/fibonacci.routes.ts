import { Router } from 'express';
import { prefersJson } from '../errors/handlers';
import { HttpError } from '../errors/http-error';
import { FibonacciRunner, parseFibonacciN } from './fibonacci';

/** GET /fibonacci/:n — CPU-heavy on purpose, computed in a worker thread so other requests keep flowing. */
export function fibonacciRouter(runner: FibonacciRunner): Router {
  const router = Router();
  router.get('/fibonacci/:n', async (req, res) => {
    const parsed = parseFibonacciN(req.params.n);
    if (!parsed.ok) throw new HttpError(400, parsed.error);
    const started = process.hrtime.bigint();
    const result = await runner.compute(parsed.n);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    res.set('Cache-Control', 'no-store');
    const payload = { n: parsed.n, result, ms: Math.round(ms) };
    if (prefersJson(req)) res.json(payload);
    else res.render('fibonacci', { title: `Fibonacci ${parsed.n}`, ...payload });
  });
  return router;
}
