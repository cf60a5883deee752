import type { Db } from 'mongodb';

/**
 * Accounts and ownership: posts written before them get version 0 (what the If-Match ETags count from), and
 * the indexes the new queries need exist before the first request asks (the app would otherwise build them
 * in the background while serving). Posts keep no owner: only an admin may change them.
 */
export async function up(db: Db): Promise<void> {
  await db.collection('posts').updateMany({ version: { $exists: false } }, { $set: { version: 0 } });
  await db.collection('posts').createIndex({ owner: 1, createdAt: -1, _id: -1 });
  await db.collection('users').createIndex({ username: 1 }, { unique: true });
  await db.collection('api_tokens').createIndex({ owner: 1 });
  await db.collection('sessions').createIndex({ expires: 1 }, { expireAfterSeconds: 0 });
  await db.collection('login_attempts').createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
}

export async function down(db: Db): Promise<void> {
  await db.collection('posts').dropIndex('owner_1_createdAt_-1__id_-1');
  await db.collection('posts').updateMany({ version: 0 }, { $unset: { version: '' } });
}
