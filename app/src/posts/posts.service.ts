import type { Types } from 'mongoose';
import { pageInfo, type PageInfo, type Pagination } from './pagination';
import type { PostModel } from './post.model';
import { isObjectIdString, type CreatePostInput } from './posts.validation';

export interface PostView {
  id: string;
  title: string;
  body: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
}

interface LeanPost {
  _id: Types.ObjectId;
  title: string;
  body: string;
  author: string;
  createdAt: Date;
  updatedAt: Date;
}

const toView = (p: LeanPost): PostView => ({
  id: String(p._id),
  title: p.title,
  body: p.body,
  author: p.author,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

export const LISTING_SORT = { createdAt: -1, _id: -1 } as const;

export class PostsService {
  constructor(private readonly Post: PostModel) {}

  async list({ page, limit }: Pagination): Promise<{ items: PostView[]; info: PageInfo }> {
    const skip = (page - 1) * limit;
    const [docs, total] = await Promise.all([
      this.Post.find({}).sort(LISTING_SORT).skip(skip).limit(limit).lean<LeanPost[]>().exec(),
      this.Post.countDocuments({}).exec(),
    ]);
    return { items: docs.map(toView), info: pageInfo(page, limit, total) };
  }

  /** null for unknown and for malformed ids (callers answer 404 either way). */
  async get(id: string): Promise<PostView | null> {
    if (!isObjectIdString(id)) return null;
    const doc = await this.Post.findById(id).lean<LeanPost>().exec();
    return doc ? toView(doc) : null;
  }

  async create(input: CreatePostInput): Promise<PostView> {
    // Only validated, known string fields reach the model.
    const doc = await this.Post.create({ title: input.title, body: input.body, author: input.author });
    return toView(doc.toObject() as unknown as LeanPost);
  }
}
