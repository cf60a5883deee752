import { randomBytes } from 'node:crypto';
import type { Actor } from '../http/actor';
import { hashSecret, NO_USER_HASH, verifySecret } from './password';
import type { AccountModels, UserFields } from './user.model';
import type { RegisterInput } from './users.validation';

/** Failures allowed before the backoff starts; then 1 s, 2 s, 4 s… up to MAX_LOCK_MS per further failure. */
const FREE_FAILURES = 5;
const MAX_LOCK_MS = 15 * 60_000;
const TOKEN = /^pat_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

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
   * The same answer, after about the same work, for an unknown name and a wrong password. An account that
   * failed too often is refused for a while without looking at the password.
   */
  async authenticate(username: string, password: string): Promise<LoginResult> {
    const user = await this.models.User.findOne({ username }).lean<UserDoc>();
    if (!user) {
      await verifySecret(password, await NO_USER_HASH);
      return { ok: false, locked: false };
    }
    const lockedMs = (user.lockedUntil?.getTime() ?? 0) - Date.now();
    if (lockedMs > 0) return { ok: false, locked: true, retryAfterS: Math.ceil(lockedMs / 1000) };
    if (await verifySecret(password, user.passwordHash)) {
      if (user.failedLogins > 0) {
        await this.models.User.updateOne(
          { _id: user._id },
          { $set: { failedLogins: 0 }, $unset: { lockedUntil: 1 } },
        );
      }
      return { ok: true, actor: toActor(user) };
    }
    const after = await this.models.User.findOneAndUpdate(
      { _id: user._id },
      { $inc: { failedLogins: 1 } },
      { returnDocument: 'after' },
    ).lean<UserDoc>();
    const failures = after?.failedLogins ?? 0;
    if (failures >= FREE_FAILURES) {
      const lockMs = Math.min(1000 * 2 ** (failures - FREE_FAILURES), MAX_LOCK_MS);
      await this.models.User.updateOne(
        { _id: user._id },
        { $set: { lockedUntil: new Date(Date.now() + lockMs) } },
      );
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
    return deletedCount === 1;
  }

  /** The account a bearer token speaks for, or undefined for a malformed, unknown, revoked or wrong token. */
  async actorForToken(token: string): Promise<Actor | undefined> {
    const m = TOKEN.exec(token);
    const doc = m ? await this.models.ApiToken.findById(m[1]).lean() : null;
    // Hashes even when there is no such token, so a revoked id and a wrong secret take as long.
    const matches = await verifySecret(m?.[2] ?? token, doc?.secretHash ?? (await NO_USER_HASH));
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
