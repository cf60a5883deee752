import express, { Router, type RequestHandler } from 'express';
import { rejectInvalidUtf8, requireContentType } from '../http/body';
import { HttpError } from '../errors/http-error';
import { listingLinks } from './listing-links';
import { parseListingQuery } from './pagination';
import type { PostsService } from './posts.service';
import { validateCreatePost } from './posts.validation';

const EMPTY_FORM = { title: '', body: '', author: '' };

/** Only string values are echoed back into the form (all rendered with <%= %>, i.e. escaped). */
function formValues(body: unknown): typeof EMPTY_FORM {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return { title: s(b.title), body: s(b.body), author: s(b.author) };
}

/** Server-rendered pages: /posts, /posts/new, /posts/:id. */
export function postsPagesRouter(
  posts: PostsService,
  opts: { bodyLimit: string; requireDb: RequestHandler },
): Router {
  const router = Router();
  const { requireDb } = opts;

  router.get('/posts', requireDb, async (req, res) => {
    const q = parseListingQuery(req.query, posts.cursors);
    if (!q.ok) throw new HttpError(400, Object.values(q.errors).flat().join('; '), q.errors);
    const listing = await posts.list(q.value);
    const links = listingLinks('/posts', listing);
    // A bookmark past the last page lands on the last page (nothing was queried for the missing one), and
    // one past the numbered depth on the cursor listing from that depth.
    if (listing.beyondLast || listing.tooDeep) {
      res.redirect(303, (listing.tooDeep ? links.next : links.last) ?? links.first);
      return;
    }
    res.render('posts/list', { title: 'Posts', posts: listing.items, listing, links });
  });

  router.get('/posts/new', (_req, res) => {
    res.render('posts/new', { title: 'New post', values: EMPTY_FORM, errors: {} });
  });

  router.post(
    '/posts',
    requireContentType(
      'application/x-www-form-urlencoded',
      'Send the form as application/x-www-form-urlencoded',
    ),
    express.urlencoded({
      extended: false,
      limit: opts.bodyLimit,
      parameterLimit: 20,
      verify: rejectInvalidUtf8,
    }),
    requireDb,
    async (req, res) => {
      const result = validateCreatePost(req.body ?? {});
      if (!result.ok) {
        res
          .status(400)
          .render('posts/new', { title: 'New post', values: formValues(req.body), errors: result.errors });
        return;
      }
      const post = await posts.create(result.value);
      req.log?.info({ postId: post.id }, 'post created');
      res.redirect(303, `/posts/${post.id}`);
    },
  );

  router.get('/posts/:id', requireDb, async (req, res) => {
    const post = await posts.get(req.params.id as string);
    if (!post) throw new HttpError(404, 'Post not found');
    res.render('posts/detail', { title: post.title, post });
  });

  return router;
}
