/** The image part of the measure step: sizes, and the rebuild time after a source-only change. */
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PRODUCT } from '../../app/src/product';
import { docker, projectRoot, seconds } from './lib';
import type { ImageRaw } from './raw';

const round1 = (n: number) => Math.round(n * 10) / 10;

/** In a throwaway copy of the build context, so the working tree is never touched. */
export async function measureImage(
  appImage: string,
  nodeImage: string,
  log: (msg: string) => void,
): Promise<ImageRaw> {
  const size = async (image: string) =>
    Number((await docker(['image', 'inspect', '-f', '{{.Size}}', image])).trim());
  const appBytes = await size(appImage);
  const baseBytes = await size(nodeImage).catch(() => 0);

  const ctx = mkdtempSync(path.join(os.tmpdir(), `${PRODUCT.slug}-bench-ctx-`));
  const tag = `${PRODUCT.slug}-bench/rebuild:${process.pid}`;
  try {
    for (const f of [
      'Dockerfile',
      '.dockerignore',
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
    ]) {
      cpSync(path.join(projectRoot, f), path.join(ctx, f));
    }
    cpSync(path.join(projectRoot, 'app'), path.join(ctx, 'app'), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}dist`),
    });
    const build = async () => {
      const t = Date.now();
      await docker(
        ['build', '-q', '--target', 'runtime', '--build-arg', `NODE_IMAGE=${nodeImage}`, '-t', tag, ctx],
        { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0' },
      );
      return seconds(t);
    };
    const unchanged_s = await build(); // same content as the app image: every layer from cache
    appendFileSync(path.join(ctx, 'app', 'src', 'server.ts'), `\n// bench rebuild ${Date.now()}\n`);
    const rebuild_s = await build();
    const result: ImageRaw = {
      app_image: appImage,
      base_image: nodeImage,
      image_mb: round1(appBytes / 1e6),
      base_image_mb: round1(baseBytes / 1e6),
      image_own_mb: round1((appBytes - baseBytes) / 1e6),
      rebuild_unchanged_s: unchanged_s,
      rebuild_after_source_change_s: rebuild_s,
    };
    log(
      `image ${appImage}: ${result.image_mb} MB (own layers ${result.image_own_mb} MB); ` +
        `rebuild after a source change ${rebuild_s} s (unchanged ${unchanged_s} s)`,
    );
    return result;
  } finally {
    rmSync(ctx, { recursive: true, force: true });
    await docker(['rmi', tag]).catch(() => undefined);
  }
}
