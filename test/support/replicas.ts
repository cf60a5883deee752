import { containerLogs } from './docker';
import { eventually } from './wait';
import { request } from './load';

/**
 * Sends '/' through nginx, each request with its own `marker`-prefixed X-Request-ID, until every container in
 * `replicas` has logged one of them ('/' is logged at info level with the request id; probes only at debug):
 * nginx, re-resolving the app's name every few seconds, is sending to all of them. Fails with the ids of the
 * replicas that have served nothing after 40 s.
 */
export async function untilEveryReplicaServes(
  baseUrl: string,
  replicas: string[],
  marker: string,
): Promise<void> {
  let n = 0;
  await eventually(
    async () => {
      for (let i = 0; i < 6; i++)
        await request(baseUrl, '/', { headers: { 'x-request-id': `${marker}-${n++}` } });
      const unseen = [];
      for (const id of replicas) if (!(await containerLogs(id)).includes(marker)) unseen.push(id);
      expect(unseen).toEqual([]); // replicas nginx has not sent a request to yet
    },
    { timeoutMs: 40_000, everyMs: 500 },
  );
}
