import { isDbUnavailableError } from '../db/database';
import { BusyError } from '../fibonacci/fibonacci';

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    message: string,
    public readonly fields?: Record<string, string[]>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface ClassifiedError {
  status: number;
  /** Safe to show to the client. */
  message: string;
  fields?: Record<string, string[]>;
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

/** Map any thrown value to a status and a client-safe message. Bad input never becomes a 500. */
export function classifyError(err: unknown): ClassifiedError {
  if (err instanceof HttpError)
    return { status: err.status, message: err.message, fields: err.fields, unexpected: false };
  if (err instanceof BusyError) return { status: 503, message: err.message, unexpected: false };
  if (isDbUnavailableError(err))
    return { status: 503, message: 'The database is not available right now', unexpected: false };

  const e = (err ?? {}) as BodyParserLikeError & Error;
  if (typeof e.type === 'string' && e.type in BODY_PARSER_ERRORS) {
    const [status, message] = BODY_PARSER_ERRORS[e.type]!;
    return { status, message, unexpected: status >= 500 };
  }
  if (e instanceof URIError) return { status: 400, message: 'Malformed URL encoding', unexpected: false };
  // Mongoose input errors (should not happen: input is validated first) are still client errors.
  if (e.name === 'CastError' || e.name === 'ValidationError' || e.name === 'StrictModeError') {
    return { status: 400, message: 'Invalid input', unexpected: false };
  }
  const status =
    typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return { status, message: e.expose === true && e.message ? e.message : 'Bad request', unexpected: false };
  }
  return { status: 500, message: 'Internal Server Error', unexpected: true };
}
