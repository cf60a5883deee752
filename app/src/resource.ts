// The resource the app serves, chosen in this one file: app.ts mounts its pages and API, server.ts and the
// seed command build its model. Swapping it for your own (docs/make-it-yours.md) changes these imports.
import { getPostModel, type PostModel } from './posts/post.model';
import { postsApiRouter } from './posts/posts.api';
import { postsOpenApi } from './posts/posts.openapi';
import { postsLinks, postsPagesRouter } from './posts/posts.routes';
import { PostsService } from './posts/posts.service';

export const resource = {
  /** The resource's Mongoose model on a connection. */
  model: getPostModel,
  Service: PostsService,
  pagesRouter: postsPagesRouter,
  /** The JSON API, mounted at `apiPath`, and its OpenAPI paths. */
  apiPath: '/api/posts',
  apiRouter: postsApiRouter,
  openApi: postsOpenApi,
  links: postsLinks,
};

export type ResourceModel = PostModel;
