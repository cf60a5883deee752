import express, { Router, type RequestHandler, type Response } from 'express';
import { rejectInvalidUtf8, requireContentType } from '../http/body';
import { HttpError } from '../errors/http-error';
import { actorOf } from '../http/actor';
import { listingLinks } from '../listing/listing-links';
import { parseListingQuery } from '../listing/pagination';
import { etagOf, matchedVersion } from '../http/preconditions';
import type { PostsService } from './posts.service';
import { validateCreatePost, validateUpdatePost } from './posts.validation';

export interface PostsApiOptions {
  bodyLimit: string;
  requireDb: RequestHandler;
  /** 401 unless the request carries a valid API token (Authorization: Bearer). */
  requireToken: RequestHandler;
}

/** JSON API mounted at /api/posts. Reads are public; writes need a token, and changes an If-Match. */
export function postsApiRouter(posts: PostsService, opts: PostsApiOptions): Router {
  const router = Router();
  const { requireDb, requireToken } = opts;
  const json = [
    requireContentType('application/json', 'Content-Type must be application/json'),
    express.json({ limit: opts.bodyLimit, strict: true, verify: rejectInvalidUtf8 }),
  ];

  const changeable = (id: string, res: Response) => posts.changeable(id, actorOf(res)!);

  router.get('/', requireDb, async (req, res) => {
    const q = parseListingQuery(req.query, posts.cursors);
    if (!q.ok) throw new HttpError(400, 'Invalid pagination parameters', q.errors);
    const listing = await posts.list(q.value);
    const by: Record<string, string> = q.value.author ? { author: q.value.author } : {};
    const { first, last, prev, next } = listingLinks(req.baseUrl, listing, by);
    if (listing.tooDeep) {
      const deepest = `numbered pages stop at page ${listing.deepest} for limit ${listing.limit}: continue from ${next}`;
      throw new HttpError(400, `page is too deep: ${deepest}`, { page: [deepest] });
    }
    res.json({
      items: listing.items,
      // An estimate (collection metadata, never a scan): see PostsService.estimatedTotal.
      total: listing.total,
      totalEstimated: true,
      page: listing.page,
      limit: listing.limit,
      pages: listing.pages,
      next,
      prev,
      first,
      last,
    });
  });

  router.get('/:id', requireDb, async (req, res) => {
    const post = await posts.get(req.params.id as string);
    if (!post) throw new HttpError(404, 'Post not found');
    res.setHeader('ETag', etagOf(post.version));
    res.json(post);
  });

  router.post('/', requireToken, ...json, requireDb, async (req, res) => {
    const result = validateCreatePost(req.body);
    if (!result.ok) throw new HttpError(400, 'Validation failed', result.errors);
    const post = await posts.create(result.value, actorOf(res)!);
    req.log?.info({ postId: post.id }, 'post created');
    res.status(201).location(`/api/posts/${post.id}`).setHeader('ETag', etagOf(post.version));
    res.json(post);
  });

  router.patch('/:id', requireToken, ...json, requireDb, async (req, res) => {
    const result = validateUpdatePost(req.body);
    if (!result.ok) throw new HttpError(400, 'Validation failed', result.errors);
    const post = await changeable(req.params.id as string, res);
    const updated = await posts.update(
      post.id,
      matchedVersion(req.get('if-match'), post.version),
      result.value,
    );
    if (updated === null) throw new HttpError(404, 'Post not found');
    if (updated === 'stale') throw new HttpError(412, 'The post has changed since that ETag: fetch it again');
    req.log?.info({ postId: post.id, version: updated.version }, 'post updated');
    res.setHeader('ETag', etagOf(updated.version));
    res.json(updated);
  });

  router.delete('/:id', requireToken, requireDb, async (req, res) => {
    const post = await changeable(req.params.id as string, res);
    const result = await posts.remove(post.id, matchedVersion(req.get('if-match'), post.version));
    if (result === null) throw new HttpError(404, 'Post not found');
    if (result === 'stale') throw new HttpError(412, 'The post has changed since that ETag: fetch it again');
    req.log?.info({ postId: post.id }, 'post deleted');
    res.status(204).end();
  });

  return router;
}
