import { Router } from 'express';

export interface Readiness {
  shuttingDown: boolean;
}

export interface DbProbe {
  readonly state: string;
  ping(timeoutMs?: number): Promise<boolean>;
}

/** GET /healthz: the process is up. GET /readyz: 200 only while MongoDB answers a ping and we are not stopping. */
export function healthRouter(db: DbProbe, readiness: Readiness, version: string): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .json({ status: 'ok', version, uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    if (readiness.shuttingDown) {
      res.status(503).json({ status: 'shutting-down', db: db.state });
      return;
    }
    const ok = await db.ping(1_000);
    if (ok && !readiness.shuttingDown) res.json({ status: 'ready', db: 'connected' });
    else
      res
        .status(503)
        .json({ status: readiness.shuttingDown ? 'shutting-down' : 'unavailable', db: db.state });
  });
  return router;
}
