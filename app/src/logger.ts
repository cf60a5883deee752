import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { PRODUCT } from './product';

export type { Logger };

/**
 * JSON logs to stdout, tagged with the product's slug (package.json name) as the service.
 * No transports: pretty-printing is a job for the reader (e.g. `| npx pino-pretty`).
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'version' | 'env'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: PRODUCT.slug, version: config.version, env: config.env },
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', '*.password'],
      censor: '[redacted]',
    },
  });
}
