import { Types, trusted } from 'mongoose';
import { cachedFor } from '../listing/cached-for';
import { cursorCodec, type CursorCodec, type CursorPosition } from '../listing/cursor';
import { afterFilter, LISTING_SORT, sortId, sortObject } from '../listing/listing-sort';
import {
  deepestPage,
  NUMBERED_DEPTH_MAX,
  pageCount,
  type ListingPage,
  type ListingQuery,
  DEFAULT_MAX_TIME_MS,
  DEFAULT_TOTAL_CACHE_MS,
} from '../listing/pagination';
import { toPost, type Post, type PostModel, type StoredPost } from './post.model';
import { HttpError } from '../errors/http-error';
import type { Actor } from '../http/actor';
import { isObjectIdString, type CreatePostInput, type UpdatePostInput } from './posts.validation';

/** Posts never changed since the version field exists have none: they are at version 0. */
const atVersion = (version: number) =>
  version === 0 ? { $or: [{ version: 0 }, { version: trusted({ $exists: false }) }] } : { version };

/** The owner, and admins, may change a post; a post without an owner only admins. */
export const mayChange = (post: Post, actor: Actor): boolean => actor.admin || post.owner === actor.id;

export interface PostsServiceOptions {
  /** maxTimeMS for every query (find, findById, count). */
  maxTimeMs?: number;
  /** How long one answer for the listing's total is reused (ms; 0: ask every time). Default 5 s. */
  totalCacheMs?: number;
  /** How many posts a numbered page may skip (default NUMBERED_DEPTH_MAX); deeper goes by cursor. */
  numberedDepthMax?: number;
}

const SORT = sortObject(LISTING_SORT);

/** Which posts a listing shows: all of them, or one owner's. */
type PostFilter = { owner?: Types.ObjectId };

export class PostsService {
  readonly cursors: CursorCodec;
  private readonly maxTimeMs: number;
  private readonly depthMax: number;
  private readonly estimatedTotal: () => Promise<number>;

  constructor(
    private readonly Post: PostModel,
    opts: PostsServiceOptions = {},
  ) {
    this.maxTimeMs = opts.maxTimeMs ?? DEFAULT_MAX_TIME_MS;
    this.depthMax = opts.numberedDepthMax ?? NUMBERED_DEPTH_MAX;
    this.cursors = cursorCodec(sortId(LISTING_SORT));
    this.estimatedTotal = cachedFor(opts.totalCacheMs ?? DEFAULT_TOTAL_CACHE_MS, () =>
      this.Post.estimatedDocumentCount().maxTimeMS(this.maxTimeMs).exec(),
    );
  }

  /** One page of the listing, by cursor (?before=) or by number (?page=), as the request asked. */
  list(query: ListingQuery): Promise<ListingPage<Post>> {
    const filter = query.author ? { owner: new Types.ObjectId(query.author) } : {};
    return 'before' in query
      ? this.listBefore(query.before, query.limit, filter)
      : this.listPage(query.page, query.limit, filter);
  }

  /** The post at `id` that `actor` may change: 404 when there is none, 403 when it is someone else's. */
  async changeable(id: string, actor: Actor): Promise<Post> {
    const post = await this.get(id);
    if (!post) throw new HttpError(404, 'Post not found');
    if (!mayChange(post, actor)) throw new HttpError(403, 'Only its author or an admin can change this post');
    return post;
  }

  /** The whole listing's estimate, or one author's exact count (from the owner index). */
  private total(filter: PostFilter): Promise<number> {
    if (!filter.owner) return this.estimatedTotal();
    return this.Post.countDocuments(filter).maxTimeMS(this.maxTimeMs).exec();
  }

  /**
   * ?page=N, kept for bookmarks. The page count comes from the estimate first, so a page past the last never
   * queries (or skips through) the collection; page 1 asks for both at once.
   */
  async listPage(page: number, limit: number, filter: PostFilter = {}): Promise<ListingPage<Post>> {
    const firstPage = page === 1;
    const totalPromise = this.total(filter);
    const docsPromise = firstPage ? this.find(filter, 0, limit + 1) : undefined;
    const total = await totalPromise;
    const pages = pageCount(total, limit);
    const deepest = deepestPage(limit, this.depthMax);
    const meta = { total, limit, pages, deepest, page, beyondLast: false, tooDeep: null };
    const empty = { ...meta, items: [], next: null };
    if (page > pages && pages <= deepest) return { ...empty, beyondLast: true };
    if (page > deepest) {
      // Skipping is O(skipped): past the depth, hand out the cursor that follows the deepest numbered page
      // (the same documents that page reads) instead.
      const [atDepth] = await this.find(filter, deepest * limit - 1, 1);
      if (!atDepth) return { ...empty, beyondLast: true };
      return { ...empty, tooDeep: this.cursorOf(toPost(atDepth)) };
    }
    const docs = await (docsPromise ?? this.find(filter, (page - 1) * limit, limit + 1));
    return { ...this.pageOf(docs, limit), ...meta };
  }

  /** ?before=<cursor>: the `limit` posts after the cursor's position, in listing order. */
  async listBefore(
    position: CursorPosition,
    limit: number,
    filter: PostFilter = {},
  ): Promise<ListingPage<Post>> {
    const [docs, total] = await Promise.all([this.after(position, limit + 1, filter), this.total(filter)]);
    return {
      ...this.pageOf(docs, limit),
      total,
      limit,
      pages: pageCount(total, limit),
      deepest: deepestPage(limit, this.depthMax),
      page: null,
      beyondLast: false,
      tooDeep: null,
    };
  }

  /** null for unknown and for malformed ids (callers answer 404 either way). */
  async get(id: string): Promise<Post | null> {
    if (!isObjectIdString(id)) return null;
    const doc = await this.Post.findById(id).maxTimeMS(this.maxTimeMs).lean<StoredPost>().exec();
    return doc ? toPost(doc) : null;
  }

  async create(input: CreatePostInput, owner: Actor): Promise<Post> {
    // Only validated, known string fields reach the model. A write takes no maxTimeMS: on a standalone
    // server an insert does not wait on anything but the server itself, and serverSelectionTimeoutMS plus
    // the socket bound the time it can take to fail.
    const doc = await this.Post.create({
      title: input.title,
      body: input.body,
      author: owner.name,
      owner: new Types.ObjectId(owner.id),
    });
    return toPost(doc.toObject() as StoredPost);
  }

  /** Applies `changes` if the post is still at `version`: the changed post, 'stale', or null (no such post). */
  async update(id: string, version: number, changes: UpdatePostInput): Promise<Post | 'stale' | null> {
    if (!isObjectIdString(id)) return null;
    const $set: UpdatePostInput = {};
    if (changes.title !== undefined) $set.title = changes.title;
    if (changes.body !== undefined) $set.body = changes.body;
    const doc = await this.Post.findOneAndUpdate(
      { _id: id, ...atVersion(version) },
      { $set, $inc: { version: 1 } },
      { returnDocument: 'after', runValidators: true },
    )
      .lean<StoredPost>()
      .exec();
    if (doc) return toPost(doc);
    return (await this.get(id)) ? 'stale' : null;
  }

  /** Deletes the post if it is still at `version`: 'deleted', 'stale', or null (no such post). */
  async remove(id: string, version: number): Promise<'deleted' | 'stale' | null> {
    if (!isObjectIdString(id)) return null;
    const { deletedCount } = await this.Post.deleteOne({ _id: id, ...atVersion(version) }).exec();
    if (deletedCount === 1) return 'deleted';
    return (await this.get(id)) ? 'stale' : null;
  }

  /*
   * The total shown with the list (estimatedTotal, set in the constructor). estimatedDocumentCount() reads the
   * collection's metadata on MongoDB (O(1), no scan), where countDocuments({}) would scan the collection on
   * every request; a MongoDB-compatible store that must count (O(n)) would still pay per request, so one
   * answer serves every request for a few seconds. The figure can be off after an unclean
   * shutdown, while writes are in flight, or by the posts of the last few seconds, so pages say "about N posts",
   * and nothing that must be exact depends on it: whether an older page exists is asked of the database
   * (limit + 1), and clients that walk everything follow the `next` links.
   */

  private find(filter: Record<string, unknown>, skip: number, limit: number): Promise<StoredPost[]> {
    let query = this.Post.find(filter).sort(SORT);
    if (skip > 0) query = query.skip(skip);
    return query.limit(limit).maxTimeMS(this.maxTimeMs).lean<StoredPost[]>().exec();
  }

  /**
   * Posts strictly after `position` in the listing order, which is MongoDB's order for the sort: dated posts
   * newest first, then those without createdAt (written by the original app: a missing field sorts lowest),
   * by _id. The dated part is the keyset range filter; the undated tail is reached once it runs out.
   */
  private async after(position: CursorPosition, n: number, base: PostFilter): Promise<StoredPost[]> {
    const id = new Types.ObjectId(position.id);
    const undated = (filter: Record<string, unknown>, count: number) =>
      this.find({ ...base, createdAt: null, ...filter }, 0, count);
    if (position.createdAt === null) return undated({ _id: trusted({ $lt: id }) }, n);

    const dated = await this.find(
      { ...base, ...afterFilter(LISTING_SORT, [new Date(position.createdAt), id], trusted) },
      0,
      n,
    );
    return dated.length < n ? [...dated, ...(await undated({}, n - dated.length))] : dated;
  }

  /** Keeps `limit` of the limit + 1 documents asked for; the extra one only says that an older page exists. */
  private pageOf(docs: StoredPost[], limit: number): Pick<ListingPage<Post>, 'items' | 'next'> {
    const items = docs.slice(0, limit).map(toPost);
    const last = items.at(-1);
    return { items, next: docs.length > limit && last ? this.cursorOf(last) : null };
  }

  /** The cursor of the page that starts right after `post`. */
  private cursorOf(post: Post): string {
    return this.cursors.encode({ createdAt: post.createdAt?.getTime() ?? null, id: post.id });
  }
}
