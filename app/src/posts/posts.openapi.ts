import { z } from 'zod';
import { requestSchema, responseSchema, type OpenApiPaths } from '../http/openapi';
import { LIMIT_DEFAULT, LIMIT_MAX, PAGE_MAX } from '../listing/pagination';
import { createPostSchema, updatePostSchema } from './posts.validation';

/** A post as the API answers it (toPost in post.model.ts). */
const postSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{24}$/),
  title: z.string(),
  body: z.string(),
  author: z
    .string()
    .optional()
    .meta({ description: "The owner's display name; missing on the original app's posts" }),
  owner: z
    .string()
    .optional()
    .meta({ description: 'The id of the account that owns it; none for seeded posts' }),
  version: z.number().int().min(0).meta({ description: 'Bumped by every change; the ETag is "v<version>"' }),
  createdAt: z.iso.datetime().optional(),
  updatedAt: z.iso.datetime().optional(),
});

const link = z.string().nullable();
const listingSchema = z.object({
  items: z.array(postSchema),
  total: z.number().int().min(0),
  totalEstimated: z.boolean(),
  page: z.number().int().min(1).nullable(),
  limit: z.number().int().min(1),
  pages: z.number().int().min(1),
  next: link,
  prev: link,
  first: z.string(),
  last: link,
});

const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const error = (description: string) => ({
  description,
  content: json({ $ref: '#/components/schemas/Error' }),
});
const etag = { ETag: { description: 'The version: send it back in If-Match', schema: { type: 'string' } } };
const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: true,
  description: "The post's ETag from the last read: the change applies only to that version",
  schema: { type: 'string' },
};
const common = {
  '429': error('Too many requests from this client (nginx)'),
  '503': error('The database is not available right now'),
};
const write = {
  security: [{ bearerAuth: [] }],
  '401': error('No API token, or not a valid one'),
};
const { security, ...unauthorized } = write;

const Post = responseSchema(postSchema);

/** What a change (PATCH or DELETE) of one post may answer besides its success. */
const changeErrors = {
  ...unauthorized,
  '403': error('Not your post'),
  '404': error('No such post'),
  '412': error('If-Match is not the current ETag'),
  '428': error('If-Match is missing'),
  ...common,
};

/** The JSON API's routes (posts.api.ts), for /api/openapi.json. */
export const postsOpenApi: OpenApiPaths = {
  '/api/posts': {
    get: {
      summary: 'List posts, newest first',
      operationId: 'listPosts',
      security: [], // public
      parameters: [
        { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, maximum: PAGE_MAX } },
        { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, default: LIMIT_DEFAULT } },
        {
          name: 'before',
          in: 'query',
          description: 'A cursor from a `next` link',
          schema: { type: 'string' },
        },
        { name: 'author', in: 'query', description: "Only this account's posts", schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: `A page of at most ${LIMIT_MAX} posts, with links`,
          content: json(responseSchema(listingSchema)),
        },
        '400': error('Bad paging parameters'),
        ...common,
      },
    },
    post: {
      summary: 'Write a post as the token’s account',
      operationId: 'createPost',
      security,
      requestBody: { required: true, content: json(requestSchema(createPostSchema)) },
      responses: {
        '201': { description: 'Created', headers: etag, content: json(Post) },
        '400': error('Invalid fields'),
        ...unauthorized,
        '413': error('Body too large'),
        '415': error('Not application/json'),
        ...common,
      },
    },
  },
  '/api/posts/{id}': {
    get: {
      summary: 'Read a post',
      operationId: 'getPost',
      security: [], // public
      parameters: [id],
      responses: {
        '200': { description: 'The post', headers: etag, content: json(Post) },
        '404': error('No such post'),
        ...common,
      },
    },
    patch: {
      summary: 'Change a post of yours (or any, as an admin)',
      operationId: 'updatePost',
      security,
      parameters: [id, ifMatch],
      requestBody: { required: true, content: json(requestSchema(updatePostSchema)) },
      responses: {
        '200': { description: 'Changed', headers: etag, content: json(Post) },
        '400': error('Invalid fields'),
        '413': error('Body too large'),
        '415': error('Not application/json'),
        ...changeErrors,
      },
    },
    delete: {
      summary: 'Delete a post of yours (or any, as an admin)',
      operationId: 'deletePost',
      security,
      parameters: [id, ifMatch],
      responses: {
        '204': { description: 'Deleted' },
        ...changeErrors,
      },
    },
  },
};
