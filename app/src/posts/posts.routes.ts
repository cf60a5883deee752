import { Router, type RequestHandler, type Response } from 'express';
import { HttpError } from '../errors/http-error';
import { actorOf } from '../http/actor';
import { formBody } from '../http/forms';
import { listingLinks } from '../listing/listing-links';
import { parseListingQuery } from '../listing/pagination';
import type { Post } from './post.model';
import { formVersion } from '../http/preconditions';
import { mayChange, type PostsService } from './posts.service';
import type { FeatureLinks } from '../http/home-links';
import { validateCreatePost, validateUpdatePost } from './posts.validation';

const EMPTY_FORM = { title: '', body: '' };
const STALE =
  'Someone changed this post after you opened it. The form shows your text; save again to replace theirs.';

/** Only string values are echoed back into the form (all rendered with <%= %>, i.e. escaped). */
function formValues(body: unknown): typeof EMPTY_FORM {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  return { title: s(b.title), body: s(b.body) };
}

export interface PostsPagesOptions {
  bodyLimit: string;
  requireDb: RequestHandler;
  /** Redirects to log in unless someone is signed in. */
  requireUser: RequestHandler;
  /** Checks the form's CSRF token. */
  csrf: RequestHandler[];
}

/** Where the pages are linked from: the header's navigation, the home page, an account's own posts. */
export const postsLinks: FeatureLinks = {
  nav: [
    { href: '/posts', label: 'Posts' },
    { href: '/posts/new', label: 'New post' },
  ],
  home: [
    { href: '/posts', label: 'Read the posts' },
    { href: '/posts/new', label: 'Write a post' },
    { href: '/api/posts', label: '/api/posts (JSON)' },
  ],
  mine: { href: '/posts?author=', label: 'Your posts' },
};

/** Server-rendered pages: the list, a post, and writing, editing and deleting one. */
export function postsPagesRouter(posts: PostsService, opts: PostsPagesOptions): Router {
  const router = Router();
  const { requireDb, requireUser } = opts;
  const form = [...formBody(opts.bodyLimit), ...opts.csrf, requireUser, requireDb];

  const changeable = (id: string, res: Response) => posts.changeable(id, actorOf(res)!);
  const newForm = { title: 'New post', action: '/posts', submit: 'Publish' };
  const editForm = (post: Post) => ({
    title: `Edit: ${post.title}`,
    action: `/posts/${post.id}/edit`,
    submit: 'Save',
    post,
  });

  router.get('/posts', requireDb, async (req, res) => {
    const q = parseListingQuery(req.query, posts.cursors);
    if (!q.ok) throw new HttpError(400, Object.values(q.errors).flat().join('; '), q.errors);
    const listing = await posts.list(q.value);
    const by: Record<string, string> = q.value.author ? { author: q.value.author } : {};
    const links = listingLinks('/posts', listing, by);
    // A bookmark past the last page lands on the last page (nothing was queried for the missing one), and
    // one past the numbered depth on the cursor listing from that depth.
    if (listing.beyondLast || listing.tooDeep) {
      res.redirect(303, (listing.tooDeep ? links.next : links.last) ?? links.first);
      return;
    }
    // One author's listing is titled with the name their posts carry (none yet: just "Posts").
    const author = q.value.author ? listing.items[0]?.author : undefined;
    const title = author ? `Posts by ${author}` : 'Posts';
    res.render('posts/list', { title, posts: listing.items, listing, links });
  });

  router.get('/posts/new', requireUser, (_req, res) => {
    res.render('posts/form', { ...newForm, values: EMPTY_FORM, errors: {}, stale: '' });
  });

  router.post('/posts', ...form, async (req, res) => {
    const result = validateCreatePost(req.body ?? {});
    if (!result.ok) {
      const values = formValues(req.body);
      res.status(400).render('posts/form', { ...newForm, values, errors: result.errors, stale: '' });
      return;
    }
    const post = await posts.create(result.value, actorOf(res)!);
    req.log?.info({ postId: post.id }, 'post created');
    res.redirect(303, `/posts/${post.id}`);
  });

  router.get('/posts/:id', requireDb, async (req, res) => {
    const post = await posts.get(req.params.id as string);
    if (!post) throw new HttpError(404, 'Post not found');
    const actor = actorOf(res);
    res.render('posts/detail', { title: post.title, post, canChange: !!actor && mayChange(post, actor) });
  });

  router.get('/posts/:id/edit', requireUser, requireDb, async (req, res) => {
    const post = await changeable(req.params.id as string, res);
    res.render('posts/form', { ...editForm(post), values: post, errors: {}, stale: '' });
  });

  router.post('/posts/:id/edit', ...form, async (req, res) => {
    const post = await changeable(req.params.id as string, res);
    const version = formVersion((req.body as Record<string, unknown>).version);
    const again = (status: number, errors: Record<string, string[]>, stale = '', current = post) =>
      res
        .status(status)
        .render('posts/form', { ...editForm(current), values: formValues(req.body), errors, stale });
    const result = validateUpdatePost(req.body ?? {});
    if (!result.ok) return again(400, result.errors);
    const updated = await posts.update(post.id, version, result.value);
    if (updated === null) throw new HttpError(404, 'Post not found');
    // The form now carries the current version: saving again knowingly replaces the other change.
    if (updated === 'stale') return again(409, {}, STALE, (await posts.get(post.id)) ?? post);
    req.log?.info({ postId: post.id, version: updated.version }, 'post updated');
    res.redirect(303, `/posts/${post.id}`);
  });

  router.get('/posts/:id/delete', requireUser, requireDb, async (req, res) => {
    const post = await changeable(req.params.id as string, res);
    res.render('posts/delete', { title: `Delete: ${post.title}`, post, stale: '' });
  });

  router.post('/posts/:id/delete', ...form, async (req, res) => {
    const post = await changeable(req.params.id as string, res);
    const result = await posts.remove(post.id, formVersion((req.body as Record<string, unknown>).version));
    if (result === null) throw new HttpError(404, 'Post not found');
    if (result === 'stale') {
      const current = (await posts.get(post.id)) ?? post;
      const stale = 'Someone changed this post after you opened this page. Check it, then delete again.';
      return res.status(409).render('posts/delete', { title: `Delete: ${post.title}`, post: current, stale });
    }
    req.log?.info({ postId: post.id }, 'post deleted');
    res.redirect(303, '/posts');
  });

  return router;
}
