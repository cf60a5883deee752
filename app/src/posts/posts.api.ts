import express, { Router, type RequestHandler } from 'express';
import { rejectInvalidUtf8, requireContentType } from '../http/body';
import { HttpError } from '../errors/http-error';
import { listingLinks } from './listing-links';
import { parseListingQuery } from './pagination';
import type { PostsService } from './posts.service';
import { validateCreatePost } from './posts.validation';

/** JSON API mounted at /api/posts. */
export function postsApiRouter(
  posts: PostsService,
  opts: { bodyLimit: string; requireDb: RequestHandler },
): Router {
  const router = Router();
  const { requireDb } = opts;

  router.get('/', requireDb, async (req, res) => {
    const q = parseListingQuery(req.query, posts.cursors);
    if (!q.ok) throw new HttpError(400, 'Invalid pagination parameters', q.errors);
    const listing = await posts.list(q.value);
    const { first, last, prev, next } = listingLinks(req.baseUrl, listing);
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
    res.json(post);
  });

  router.post(
    '/',
    requireContentType('application/json', 'Content-Type must be application/json'),
    express.json({ limit: opts.bodyLimit, strict: true, verify: rejectInvalidUtf8 }),
    requireDb,
    async (req, res) => {
      const result = validateCreatePost(req.body);
      if (!result.ok) throw new HttpError(400, 'Validation failed', result.errors);
      const post = await posts.create(result.value);
      req.log?.info({ postId: post.id }, 'post created');
      res.status(201).location(`/api/posts/${post.id}`).json(post);
    },
  );

  return router;
}
