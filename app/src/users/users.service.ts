import { createHash, randomBytes } from 'node:crypto';
import { trusted } from 'mongoose';
import type { Actor } from '../http/actor';
import { hashSecret, NO_USER_HASH, verifySecret } from './password';
import type { AccountModels, UserFields } from './user.model';
import type { RegisterInput } from './users.validation';

/** Failures allowed before the backoff starts; then 1 s, 2 s, 4 s… up to MAX_LOCK_MS per further failure. */
const FREE_FAILURES = 5;
const MAX_LOCK_MS = 15 * 60_000;
/** How long a client's failures for a name are remembered after the last one. */
const ATTEMPT_MEMORY_MS = 60 * 60_000;
const TOKEN = /^pat_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;
/**
 * A token verified once is trusted for this long (ms) by this process: argon2id costs ~30 ms of CPU, too much
 * for every API write. Revoking clears it here at once; other replicas stop accepting it within this time.
 */
export const TOKEN_CACHE_MS = 30_000;
const TOKEN_CACHE_MAX = 10_000;

export type LoginResult =
  | { ok: true; actor: Actor }
  | { ok: false; locked: false }
  | { ok: false; locked: true; retryAfterS: number };

export interface TokenInfo {
  id: string;
  name: string;
  createdAt?: Date;
}

type UserDoc = UserFields & { _id: unknown };

export class AccountsService {
  /** sha256(token) -> who it speaks for, until when (never the token itself, never persisted). */
  private readonly verified = new Map<string, { actor: Actor; tokenId: string; until: number }>();

  constructor(private readonly models: AccountModels) {}

  /** A new account, or 'taken' when the username exists. */
  async register(input: RegisterInput, role: 'user' | 'admin' = 'user'): Promise<Actor | 'taken'> {
    const passwordHash = await hashSecret(input.password);
    try {
      const { username, displayName } = input;
      const user = await this.models.User.create({ username, displayName, passwordHash, role });
      return toActor(user);
    } catch (err) {
      if ((err as { code?: number }).code === 11000) return 'taken';
      throw err;
    }
  }

  /**
   * The same answer, after the same work, for an unknown name and a wrong password. Each attempt is claimed
   * before the password is checked, so parallel guesses cannot slip past a lock; a name that failed too often
   * from this client (`client`: its address) is refused for a while, from this client only.
   */
  async authenticate(username: string, password: string, client: string): Promise<LoginResult> {
    const { LoginAttempt, User } = this.models;
    const _id = `${username}\n${client}`;
    const now = new Date();
    let claimed: { failures: number } | null;
    try {
      claimed = await LoginAttempt.findOneAndUpdate(
        { _id, $or: [{ lockedUntil: trusted({ $exists: false }) }, { lockedUntil: trusted({ $lte: now }) }] },
        { $inc: { failures: 1 }, $set: { expiresAt: new Date(now.getTime() + ATTEMPT_MEMORY_MS) } },
        { upsert: true, returnDocument: 'after' },
      ).lean();
    } catch (err) {
      // The upsert met the locked record's _id: locked.
      if ((err as { code?: number }).code !== 11000) throw err;
      claimed = null;
    }
    const user = claimed ? await User.findOne({ username }).lean<UserDoc>() : null;
    const matches = await verifySecret(password, user?.passwordHash ?? (await NO_USER_HASH));
    if (!claimed) {
      const lock = await LoginAttempt.findById(_id).lean();
      const ms = (lock?.lockedUntil?.getTime() ?? now.getTime() + 1000) - now.getTime();
      return { ok: false, locked: true, retryAfterS: Math.max(1, Math.ceil(ms / 1000)) };
    }
    if (user && matches) {
      await LoginAttempt.deleteOne({ _id });
      return { ok: true, actor: toActor(user) };
    }
    if (claimed.failures >= FREE_FAILURES) {
      const lockMs = Math.min(1000 * 2 ** (claimed.failures - FREE_FAILURES), MAX_LOCK_MS);
      await LoginAttempt.updateOne({ _id }, { $set: { lockedUntil: new Date(now.getTime() + lockMs) } });
    }
    return { ok: false, locked: false };
  }

  /** A personal API token: returned once, as `pat_<id>_<secret>`; only the secret's hash is kept. */
  async createToken(owner: string, name: string): Promise<{ token: string; info: TokenInfo }> {
    const secret = randomBytes(32).toString('base64url');
    const doc = await this.models.ApiToken.create({ owner, name, secretHash: await hashSecret(secret) });
    return { token: `pat_${String(doc._id)}_${secret}`, info: toTokenInfo(doc) };
  }

  async tokens(owner: string): Promise<TokenInfo[]> {
    const docs = await this.models.ApiToken.find({ owner }).sort({ createdAt: -1 }).lean();
    return docs.map(toTokenInfo);
  }

  /** Whether a token of `owner`'s existed and is now gone. */
  async revokeToken(owner: string, id: string): Promise<boolean> {
    if (!/^[0-9a-f]{24}$/.test(id)) return false;
    const { deletedCount } = await this.models.ApiToken.deleteOne({ _id: id, owner });
    for (const [key, entry] of this.verified) if (entry.tokenId === id) this.verified.delete(key);
    return deletedCount === 1;
  }

  /** The account a bearer token speaks for, or undefined for a malformed, unknown, revoked or wrong token. */
  async actorForToken(token: string): Promise<Actor | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.verified.get(key);
    if (cached && cached.until > Date.now()) return cached.actor;
    this.verified.delete(key);
    const actor = await this.verifyToken(token);
    if (actor) {
      if (this.verified.size >= TOKEN_CACHE_MAX) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(key, { actor, tokenId: TOKEN.exec(token)![1]!, until: Date.now() + TOKEN_CACHE_MS });
    }
    return actor;
  }

  private async verifyToken(token: string): Promise<Actor | undefined> {
    const m = TOKEN.exec(token);
    // Not even shaped like a token: refused without hashing (the shape is no secret).
    if (!m) return undefined;
    const doc = await this.models.ApiToken.findById(m[1]).lean();
    // Hashes even when there is no such token, so a revoked id and a wrong secret take as long.
    const matches = await verifySecret(m[2]!, doc?.secretHash ?? (await NO_USER_HASH));
    if (!doc || !matches) return undefined;
    const user = await this.models.User.findById(doc.owner).lean<UserDoc>();
    return user ? toActor(user) : undefined;
  }

  /** The actor for a session's user id, read fresh (a role change or a deleted account shows at once). */
  async actorById(id: string): Promise<Actor | undefined> {
    if (!/^[0-9a-f]{24}$/.test(id)) return undefined;
    const user = await this.models.User.findById(id).lean<UserDoc>();
    return user ? toActor(user) : undefined;
  }
}

function toActor(user: { _id: unknown; displayName: string; role: string }): Actor {
  return { id: String(user._id), name: user.displayName, admin: user.role === 'admin' };
}

function toTokenInfo(doc: { _id: unknown; name: string; createdAt?: Date }): TokenInfo {
  return { id: String(doc._id), name: doc.name, createdAt: doc.createdAt };
}
