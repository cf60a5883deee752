import type { AxiosInstance } from 'axios';
import mongoose, { Types, type Connection } from 'mongoose';
import { resource, type ResourceModel } from '../../app/src/resource';
import { ownerlessPost, postTitled, type PostInput } from './posts';

/** Shared by the posts-* listing tests: raw documents, the order MongoDB gives them, and a cursor walk. */

export type RawPost = PostInput & {
  _id: Types.ObjectId;
  author?: string;
  createdAt?: Date;
  updatedAt?: Date;
};

/** A document as the current app writes it, with a chosen createdAt. */
export const datedPost = (title: string, createdAt: Date): RawPost => ({
  _id: new Types.ObjectId(),
  ...ownerlessPost(title),
  createdAt,
  updatedAt: createdAt,
});

/** A document as the original app wrote it: the client's fields only. */
export const legacyPost = (title: string): RawPost => ({ _id: new Types.ObjectId(), ...postTitled(title) });

/**
 * The listing order computed here, independently of the database: createdAt newest first, a missing createdAt
 * last (MongoDB sorts a missing field as the lowest value), ties by _id descending.
 */
export function listingOrder(docs: readonly RawPost[]): string[] {
  const time = (d: RawPost) => d.createdAt?.getTime() ?? -Infinity;
  return [...docs]
    .sort((a, b) => time(b) - time(a) || b._id.toHexString().localeCompare(a._id.toHexString()))
    .map((d) => d._id.toHexString());
}

export interface ListingBody {
  items: { id: string; title: string; createdAt?: string; author?: string }[];
  next: string | null;
  total: number;
  limit: number;
  pages: number;
  page: number | null;
}

/** GET a listing URL and insist on a 200 (a failed page fails the test, it never ends the walk quietly). */
export async function getListing(http: AxiosInstance, url: string): Promise<ListingBody> {
  const res = await http.get(url);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${JSON.stringify(res.data)}`);
  return res.data as ListingBody;
}

/**
 * Follows `next` links from `start` to the end, returning each page's ids. `between(pageIndex, ids)` runs after
 * each page that has a next one (e.g. to insert posts while someone pages through). Stops with an error after `maxPages`.
 */
export async function walkCursor(
  http: AxiosInstance,
  start: string,
  opts: { maxPages?: number; between?: (pageIndex: number, ids: string[]) => Promise<void> } = {},
): Promise<string[][]> {
  const pages: string[][] = [];
  let url: string | null = start;
  while (url) {
    if (pages.length >= (opts.maxPages ?? 200))
      throw new Error(`cursor walk did not end after ${pages.length} pages`);
    const body = await getListing(http, url);
    pages.push(body.items.map((i) => i.id));
    url = body.next;
    if (url) await opts.between?.(pages.length - 1, pages.at(-1)!);
  }
  return pages;
}

/** A read or write command as the driver sent it (with lsid, $db and the like left out). */
export type SentCommand = { name: string } & Record<string, unknown>;

/**
 * A connection of its own to the integration database with command monitoring on, so a test sees exactly
 * what PostsService sends. `commands` fills as commands start; `closeConnection` must run in afterAll.
 */
export async function monitoredConnection(dbName: string): Promise<{
  connection: Connection;
  Post: ResourceModel;
  commands: SentCommand[];
}> {
  const uri = process.env.INTEGRATION_MONGO_URI;
  if (!uri) throw new Error('INTEGRATION_MONGO_URI is not set: run through the integration project');
  const connection = mongoose.createConnection(uri, { dbName, monitorCommands: true });
  await connection.asPromise();
  const commands: SentCommand[] = [];
  connection.getClient().on('commandStarted', (event) => {
    const rest: Record<string, unknown> = { ...event.command };
    for (const key of ['lsid', '$db', '$clusterTime', '$readPreference']) delete rest[key];
    commands.push({ name: event.commandName, ...rest });
  });
  const Post = resource.model(connection);
  await Post.init(); // the listing index, as the app builds it (autoIndex)
  return { connection, Post, commands };
}
