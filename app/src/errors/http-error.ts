/**
 * The ground floor: nothing here imports a feature or the database. Features throw HttpError for what they
 * know is the client's fault (or a known temporary refusal); other layers that own their failures (db/) pass
 * an ErrorMapper to the error handler instead of being imported from here.
 */
export class HttpError extends Error {
  /** Extra response headers, e.g. Retry-After on a 503. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    public readonly status: number,
    message: string,
    public readonly fields?: Record<string, string[]>,
    options: { headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'HttpError';
    this.headers = options.headers ?? {};
  }
}

/** Turns an error this layer cannot know about (a driver error, say) into an HttpError, or leaves it (undefined). */
export type ErrorMapper = (err: unknown) => HttpError | undefined;

export interface ClassifiedError {
  status: number;
  /** Safe to show to the client. */
  message: string;
  fields?: Record<string, string[]>;
  headers?: Readonly<Record<string, string>>;
  /** Unexpected: log at error level with the stack. */
  unexpected: boolean;
}

interface BodyParserLikeError {
  type?: unknown;
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
}

const BODY_PARSER_ERRORS: Record<string, [number, string]> = {
  'entity.parse.failed': [400, 'Malformed request body'],
  'entity.too.large': [413, 'Request body is too large'],
  'entity.verify.failed': [400, 'Request body is not valid UTF-8'],
  'encoding.unsupported': [415, 'Unsupported content encoding'],
  'charset.unsupported': [415, 'Unsupported charset'],
  'request.aborted': [400, 'Request aborted'],
  'request.size.invalid': [400, 'Request size did not match Content-Length'],
  'parameters.too.many': [413, 'Too many parameters'],
  'stream.encoding.set': [500, 'Internal Server Error'],
};

/**
 * Map any thrown value to a status and a client-safe message. Bad input never becomes a 500.
 * `mappers` run first, in order; the first one that returns an HttpError wins.
 */
export function classifyError(err: unknown, mappers: readonly ErrorMapper[] = []): ClassifiedError {
  const mapped = err instanceof HttpError ? err : firstMapped(err, mappers);
  if (mapped) {
    const { status, message, fields, headers } = mapped;
    return { status, message, fields, headers, unexpected: false };
  }

  const e = (err ?? {}) as BodyParserLikeError & Error;
  if (typeof e.type === 'string' && e.type in BODY_PARSER_ERRORS) {
    const [status, message] = BODY_PARSER_ERRORS[e.type]!;
    return { status, message, unexpected: status >= 500 };
  }
  if (e instanceof URIError) return { status: 400, message: 'Malformed URL encoding', unexpected: false };
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, message: e.expose === true && e.message ? e.message : 'Bad request', unexpected: false };
  }
  return { status: 500, message: 'Internal Server Error', unexpected: true };
}

function firstMapped(err: unknown, mappers: readonly ErrorMapper[]): HttpError | undefined {
  for (const map of mappers) {
    const mapped = map(err);
    if (mapped) return mapped;
  }
  return undefined;
}
