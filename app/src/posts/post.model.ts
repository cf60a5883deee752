import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';
import { LISTING_SORT, sortObject } from './listing-sort';

export const POST_LIMITS = { title: 200, body: 10_000, author: 100 } as const;

export const postSchema = new Schema(
  {
    title: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.title },
    body: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.body },
    author: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.author },
  },
  { timestamps: true, collection: 'posts', strict: 'throw' },
);

// Serves the listing: built from the same spec as the query's sort and its keyset filter.
postSchema.index(sortObject(LISTING_SORT));

export type PostFields = InferSchemaType<typeof postSchema>;

/**
 * A post as stored. The schema's fields plus _id and the timestamps, except that documents written by the
 * original app have only title and body: author and the timestamps may be missing, and code must cope.
 */
export type StoredPost = Pick<PostFields, 'title' | 'body'> &
  Partial<Pick<PostFields, 'author'>> & { _id: Types.ObjectId; createdAt?: Date; updatedAt?: Date };

/** A post as the app shows it (API JSON and views): the stored post with `id` (hex) instead of `_id`. */
export type Post = Omit<StoredPost, '_id'> & { id: string };

export function toPost({ _id, title, body, author, createdAt, updatedAt }: StoredPost): Post {
  return { id: String(_id), title, body, author, createdAt, updatedAt };
}
export type PostModel = Model<PostFields>;

/** The Post model bound to one connection (the app owns its connection; tests can have several). */
export function getPostModel(connection: Connection): PostModel {
  return (
    (connection.models.Post as PostModel | undefined) ?? connection.model<PostFields>('Post', postSchema)
  );
}
