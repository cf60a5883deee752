import type { mongo } from 'mongoose';
import { Counter, Gauge, type Registry } from 'prom-client';

interface ConnectionEvent {
  address: string;
  connectionId: number | '<monitor>';
}

/**
 * The driver's connection pool, from its CMAP monitoring events (no private driver state is read):
 * open connections by state, checkouts waiting, the configured maximum, failed checkouts and pool clears.
 * Call watch() with every new MongoClient (Database.onClient): each retry of the first connect makes one.
 */
export function mongoPoolMetrics(registry: Registry): { watch(client: mongo.MongoClient): void } {
  // address#connectionId -> checked out?
  const connections = new Map<string, boolean>();
  let waiting = 0;
  let maxSize = 0;

  new Gauge({
    name: 'mongodb_pool_connections',
    help: 'Open connections in the MongoDB driver pool, by state (idle or in_use)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      let inUse = 0;
      for (const busy of connections.values()) if (busy) inUse++;
      this.set({ state: 'in_use' }, inUse);
      this.set({ state: 'idle' }, connections.size - inUse);
    },
  });
  new Gauge({
    name: 'mongodb_pool_wait_queue',
    help: 'Operations waiting for a pool connection',
    registers: [registry],
    collect() {
      this.set(waiting);
    },
  });
  new Gauge({
    name: 'mongodb_pool_max_connections',
    help: 'The pool size limit (maxPoolSize)',
    registers: [registry],
    collect() {
      this.set(maxSize);
    },
  });
  const checkoutFailures = new Counter({
    name: 'mongodb_pool_checkout_failures_total',
    help: 'Checkouts that failed, by reason (timeout, connectionError, poolClosed)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const cleared = new Counter({
    name: 'mongodb_pool_cleared_total',
    help: 'Times the driver cleared the pool (the server went away or an error invalidated its connections)',
    registers: [registry],
  });

  const key = (e: ConnectionEvent) => `${e.address}#${e.connectionId}`;
  return {
    watch(client) {
      // A new client means the old one is gone: start from its own events.
      connections.clear();
      waiting = 0;
      client.on('connectionPoolCreated', (e) => {
        maxSize = e.options?.maxPoolSize ?? maxSize;
      });
      client.on('connectionCreated', (e) => connections.set(key(e), false));
      client.on('connectionClosed', (e) => connections.delete(key(e)));
      client.on('connectionCheckOutStarted', () => waiting++);
      client.on('connectionCheckedOut', (e) => {
        waiting = Math.max(0, waiting - 1);
        connections.set(key(e), true);
      });
      client.on('connectionCheckOutFailed', (e) => {
        waiting = Math.max(0, waiting - 1);
        checkoutFailures.inc({ reason: String(e.reason) });
      });
      client.on('connectionCheckedIn', (e) => {
        if (connections.has(key(e))) connections.set(key(e), false);
      });
      client.on('connectionPoolCleared', () => cleared.inc());
      client.on('connectionPoolClosed', () => {
        connections.clear();
        waiting = 0;
      });
    },
  };
}
