import type { Stack } from './stack';

/**
 * Runs a mongosh script in the stack's mongo_db container and returns what it printed after `marker` on its
 * one result line. The script travels base64-encoded, so any password in it is on no command line; a script
 * that prints no result line throws with mongosh's own output.
 */
export async function mongoshResult(stack: Stack, script: string, marker: string): Promise<string> {
  const encoded = Buffer.from(script).toString('base64');
  const r = await stack.exec('mongo_db', [
    'sh',
    '-c',
    `mongosh --quiet --norc --eval "$(echo ${encoded} | base64 -d)"`,
  ]);
  const line = r.output.split('\n').find((l) => l.startsWith(`${marker} `));
  if (!line)
    throw new Error(`mongosh printed no ${marker} line (exit ${r.exitCode}): ${r.output.slice(0, 500)}`);
  return line.slice(marker.length + 1);
}
