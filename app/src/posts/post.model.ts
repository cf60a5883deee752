import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

export const POST_LIMITS = { title: 200, body: 10_000, author: 100 } as const;

export const postSchema = new Schema(
  {
    title: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.title },
    body: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.body },
    author: { type: String, required: true, trim: true, minlength: 1, maxlength: POST_LIMITS.author },
  },
  { timestamps: true, collection: 'posts', strict: 'throw' },
);

// Serves the listing sort (newest first, _id as a stable tie-breaker).
postSchema.index({ createdAt: -1, _id: -1 });

export type PostFields = InferSchemaType<typeof postSchema>;
export type PostModel = Model<PostFields>;

/** The Post model bound to one connection (the app owns its connection; tests can have several). */
export function getPostModel(connection: Connection): PostModel {
  return (
    (connection.models.Post as PostModel | undefined) ?? connection.model<PostFields>('Post', postSchema)
  );
}
