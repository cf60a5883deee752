import { Schema, type Connection, type InferSchemaType, type Model, type Types } from 'mongoose';
import { LISTING_SORT, sortObject } from '../listing/listing-sort';

export const POST_LIMITS = { title: 200, body: 10_000, author: 100 } as const;

export const postSchema = new Schema(
  {
    title: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.title },
    body: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.body },
    // The owner's display name when the post was written (seeded posts have a made-up one, no owner).
    author: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.author },
    // The account that may change it (with admins); none for seeded posts and posts of the original app.
    owner: { type: Schema.Types.ObjectId },
    // Bumped by every change: the ETag and the edit form's hidden field, so a stale change is refused.
    version: { type: Number, required: true, default: 0 },
  },
  { timestamps: true, collection: 'posts', strict: 'throw' },
);

// Serves the listing: built from the same spec as the query's sort and its keyset filter.
postSchema.index(sortObject(LISTING_SORT));
// One author's posts (?author=), in the same order: the owner, then the listing's sort.
postSchema.index({ owner: 1, ...sortObject(LISTING_SORT) });

export type PostFields = InferSchemaType<typeof postSchema>;

/**
 * A post as stored. The schema's fields plus _id and the timestamps, except that documents written by the
 * original app have only title and body: author and the timestamps may be missing, and code must cope.
 */
export type StoredPost = Pick<PostFields, 'title' | 'body'> &
  Partial<Pick<PostFields, 'author' | 'version'>> & {
    _id: Types.ObjectId;
    owner?: Types.ObjectId | null;
    createdAt?: Date;
    updatedAt?: Date;
  };

/** A post as the app shows it (API JSON and views): ids as hex strings, `version` 0 when never changed. */
export type Post = Omit<StoredPost, '_id' | 'owner' | 'version'> & {
  id: string;
  owner?: string;
  version: number;
};

export function toPost({ _id, title, body, author, owner, version, createdAt, updatedAt }: StoredPost): Post {
  return {
    id: String(_id),
    title,
    body,
    author,
    owner: owner ? String(owner) : undefined,
    version: version ?? 0,
    createdAt,
    updatedAt,
  };
}
export type PostModel = Model<PostFields>;

/** The Post model bound to one connection (the app owns its connection; tests can have several). */
export function getPostModel(connection: Connection): PostModel {
  return (
    (connection.models.Post as PostModel | undefined) ?? connection.model<PostFields>('Post', postSchema)
  );
}
