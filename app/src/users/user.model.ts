import { Schema, type Connection, type InferSchemaType, type Model } from 'mongoose';

export const USER_LIMITS = { username: 32, displayName: 60, password: 256, tokenName: 60 } as const;

const userSchema = new Schema(
  {
    // Lower-case letters, digits, '-', '_' (users.validation.ts): one spelling per name, so unique means unique.
    username: { type: String, required: true, unique: true, maxlength: USER_LIMITS.username },
    displayName: { type: String, required: true, maxlength: USER_LIMITS.displayName },
    passwordHash: { type: String, required: true },
    role: { type: String, enum: ['user', 'admin'], required: true, default: 'user' },
  },
  { timestamps: true, collection: 'users', strict: 'throw' },
);

const apiTokenSchema = new Schema(
  {
    owner: { type: Schema.Types.ObjectId, required: true, index: true },
    name: { type: String, required: true, maxlength: USER_LIMITS.tokenName },
    // argon2id of the token's secret part; the token itself is shown once and never stored.
    secretHash: { type: String, required: true },
    lastUsedAt: { type: Date },
  },
  { timestamps: true, collection: 'api_tokens', strict: 'throw' },
);

/**
 * The login backoff, per username and client address: a stranger's failures never lock the owner out from
 * their own address. _id is "<username>\n<client>"; a record expires an hour after its last failure.
 */
const loginAttemptSchema = new Schema(
  {
    _id: { type: String, required: true },
    failures: { type: Number, required: true, default: 0 },
    lockedUntil: { type: Date },
    expiresAt: { type: Date, required: true, expires: 0 },
  },
  { collection: 'login_attempts', strict: 'throw', versionKey: false },
);

export type UserFields = InferSchemaType<typeof userSchema>;
export type ApiTokenFields = InferSchemaType<typeof apiTokenSchema>;
export type UserModel = Model<UserFields>;
export type ApiTokenModel = Model<ApiTokenFields>;
export type LoginAttemptModel = Model<InferSchemaType<typeof loginAttemptSchema>>;

export interface AccountModels {
  User: UserModel;
  ApiToken: ApiTokenModel;
  LoginAttempt: LoginAttemptModel;
}

/** The account models bound to one connection. */
export function getAccountModels(connection: Connection): AccountModels {
  return {
    User: (connection.models.User as UserModel | undefined) ?? connection.model('User', userSchema),
    ApiToken:
      (connection.models.ApiToken as ApiTokenModel | undefined) ??
      connection.model('ApiToken', apiTokenSchema),
    LoginAttempt:
      (connection.models.LoginAttempt as LoginAttemptModel | undefined) ??
      (connection.model('LoginAttempt', loginAttemptSchema) as unknown as LoginAttemptModel),
  };
}
