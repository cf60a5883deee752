import { EventEmitter } from 'node:events';
import type { mongo } from 'mongoose';
import { Registry } from 'prom-client';
import { mongoPoolMetrics } from '../../app/src/metrics/mongo-pool';
import { sample } from '../support/metrics';

/** A fake of the driver's MongoClient: only its CMAP events matter here. */
const fakeClient = () => new EventEmitter() as EventEmitter & mongo.MongoClient;
const address = 'mongo_db:27017';
const conn = (connectionId: number) => ({ address, connectionId });

async function scrape(registry: Registry) {
  const text = await registry.metrics();
  return {
    idle: sample(text, 'mongodb_pool_connections', 'state="idle"'),
    inUse: sample(text, 'mongodb_pool_connections', 'state="in_use"'),
    waiting: sample(text, 'mongodb_pool_wait_queue'),
    max: sample(text, 'mongodb_pool_max_connections'),
    timeouts: sample(text, 'mongodb_pool_checkout_failures_total', 'reason="timeout"'),
    cleared: sample(text, 'mongodb_pool_cleared_total'),
  };
}

describe('MongoDB pool metrics from the driver events', () => {
  it('follows connections through created, checked out, checked in and closed', async () => {
    const registry = new Registry();
    const client = fakeClient();
    mongoPoolMetrics(registry).watch(client);

    client.emit('connectionPoolCreated', { address, options: { maxPoolSize: 20 } });
    client.emit('connectionCreated', conn(1));
    client.emit('connectionCreated', conn(2));
    client.emit('connectionCheckOutStarted', { address });
    client.emit('connectionCheckOutStarted', { address });
    client.emit('connectionCheckedOut', conn(1));
    expect(await scrape(registry)).toMatchObject({ idle: 1, inUse: 1, waiting: 1, max: 20 });

    client.emit('connectionCheckOutFailed', { address, reason: 'timeout' });
    client.emit('connectionCheckedIn', conn(1));
    client.emit('connectionClosed', conn(2));
    client.emit('connectionPoolCleared', { address });
    expect(await scrape(registry)).toMatchObject({ idle: 1, inUse: 0, waiting: 0, timeouts: 1, cleared: 1 });
  });

  it('starts over with a new client (each connect attempt makes one) and when the pool closes', async () => {
    const registry = new Registry();
    const pool = mongoPoolMetrics(registry);
    const first = fakeClient();
    pool.watch(first);
    first.emit('connectionCreated', conn(1));
    first.emit('connectionCheckedOut', conn(1));

    pool.watch(fakeClient());
    expect(await scrape(registry)).toMatchObject({ idle: 0, inUse: 0 });

    const second = fakeClient();
    pool.watch(second);
    second.emit('connectionCreated', conn(7));
    second.emit('connectionPoolClosed', { address });
    expect(await scrape(registry)).toMatchObject({ idle: 0, inUse: 0 });
  });
});
