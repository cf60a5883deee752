import { execFileSync } from 'node:child_process';
import path from 'node:path';

// The layer rule in eslint.config.mjs, run by the real `eslint` CLI on code that is never written to disk
// (ESLint's Node API loads the config with a dynamic import, which Jest's CommonJS runtime cannot do).
const lint = async (file: string, code: string): Promise<string[]> => {
  const eslint = path.resolve(__dirname, '..', '..', 'node_modules', 'eslint', 'bin', 'eslint.js');
  const args = [eslint, '--format', 'json', '--stdin', '--stdin-filename', `app/src/${file}`];
  let out: string;
  try {
    out = execFileSync(process.execPath, args, {
      cwd: path.resolve(__dirname, '..', '..'),
      input: code,
    }).toString();
  } catch (error) {
    out = String((error as { stdout?: Buffer }).stdout ?? ''); // exit 1: lint errors, still JSON on stdout
  }
  const [result] = JSON.parse(out) as { messages: { ruleId: string | null; message: string }[] }[];
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

describe('the layer rule (eslint no-restricted-imports)', () => {
  it.each([
    ['http/body.ts', "import { PostsService } from '../posts/posts.service';"],
    ['errors/handlers.ts', "import { createApp } from '../app';"],
    ['db/errors.ts', "import { seed } from '../seed/seed';"],
    ['config.ts', "import { createApp } from './app';"],
  ])('refuses an upward import in %s', async (file, code) => {
    const messages = await lint(file, `${code}\nexport const used = [${code.match(/\{ (\w+) \}/)?.[1]}];\n`);

    expect(messages).toEqual([expect.stringContaining('never imports a feature')]);
  });

  it.each([
    ['db/errors.ts', "import { HttpError } from '../errors/http-error';"],
    ['logger.ts', "import { routePattern } from './metrics/route-pattern';"],
    ['posts/posts.api.ts', "import { HttpError } from '../errors/http-error';"],
  ])('allows a sideways or downward import in %s', async (file, code) => {
    const messages = await lint(file, `${code}\nexport const used = [${code.match(/\{ (\w+) \}/)?.[1]}];\n`);

    expect(messages).toEqual([]);
  });
});
