import express, { Router } from 'express';
import { getAbsoluteFSPath } from 'swagger-ui-dist';
import { z } from 'zod';

/** An OpenAPI path item per path ({ get: {...}, post: {...} }), as a feature describes its routes. */
export type OpenApiPaths = Record<string, Record<string, unknown>>;

/** JSON Schema (2020-12, OpenAPI 3.1's own) of what a client sends: the zod schema's input side. */
export function requestSchema(schema: z.ZodType): Record<string, unknown> {
  return withoutDialect(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

/** JSON Schema of what the app answers: the zod schema's output side. */
export function responseSchema(schema: z.ZodType): Record<string, unknown> {
  return withoutDialect(z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }));
}

/** A schema inside an OpenAPI 3.1 document uses the document's dialect: no $schema of its own. */
function withoutDialect(json: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...json };
  delete copy.$schema;
  return copy;
}

/** The error body every 4xx/5xx of the API has (errors/handlers.ts and nginx's JSON error pages). */
export const errorBodySchema = z.object({
  error: z.string(),
  fields: z.record(z.string(), z.array(z.string())).optional(),
});

export interface OpenApiInfo {
  title: string;
  version: string;
}

/** An OpenAPI 3.1 document from the features' path items; bearer tokens as the one security scheme. */
export function openApiDocument(info: OpenApiInfo, paths: OpenApiPaths): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      ...info,
      description:
        'Reads are public; writes take a personal API token from /account (Authorization: Bearer).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal API token' },
      },
      schemas: { Error: responseSchema(errorBodySchema) },
    },
  };
}

// The package's own way to find its files.
const SWAGGER_UI = getAbsoluteFSPath();
// Swagger UI needs its own script and stylesheet: only these pages get a CSP that allows them ('self').
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; form-action 'none'; base-uri 'none'; object-src 'none'";

/** GET /api/openapi.json, and the API console at /api/docs (Swagger UI from npm, no CDN). */
export function openApiRouter(document: Record<string, unknown>): Router {
  const router = Router();
  router.get('/api/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.use('/api/docs', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    next();
  });
  router.get('/api/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.get('/api/docs/init.js', (_req, res) => {
    res.type('js').send(DOCS_INIT);
  });
  router.use('/api/docs/ui', express.static(SWAGGER_UI, { index: false, maxAge: '1d' }));
  return router;
}

const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>API</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/api/docs/ui/swagger-ui.css">
</head>
<body>
  <main id="swagger-ui"></main>
  <script src="/api/docs/ui/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>
`;

const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });\n`;
