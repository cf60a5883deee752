import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs the docker CLI and returns stdout; a failure carries docker's stderr in its message. */
export async function docker(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { env, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${stderr || message}`);
  }
}

/**
 * `docker exec` that reports the command's exit code and output instead of throwing on a non-zero exit,
 * for tests whose point is that a command fails (a write on a read-only filesystem, a blocked port).
 */
export async function dockerExec(
  containerId: string,
  command: string[],
): Promise<{ exitCode: number; output: string }> {
  try {
    const { stdout, stderr } = await run('docker', ['exec', containerId, ...command], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return { exitCode: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout = '', stderr = '' } = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof code !== 'number') throw error; // docker itself could not run
    return { exitCode: code, output: stdout + stderr };
  }
}

/** The whole `docker inspect` record of one container. */
export async function inspect(containerId: string): Promise<DockerInspect> {
  const [record] = JSON.parse(await docker(['inspect', containerId])) as DockerInspect[];
  if (!record) throw new Error(`no such container: ${containerId}`);
  return record;
}

/** A container's stdout and stderr so far (docker logs), one string. */
export async function containerLogs(containerId: string): Promise<string> {
  const { stdout, stderr } = await run('docker', ['logs', containerId], { maxBuffer: 64 * 1024 * 1024 });
  return stdout + stderr;
}

/** Parses the JSON lines of a log, ignoring lines that are not JSON objects. */
export function jsonLines(log: string): Record<string, unknown>[] {
  return log
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

export interface DockerInspect {
  Id: string;
  Name: string;
  RestartCount: number;
  State: { Status: string; Running: boolean; StartedAt: string; Health?: { Status: string } };
  Config: { User: string; Image: string; Labels: Record<string, string> };
  HostConfig: { ReadonlyRootfs: boolean; CapDrop: string[] | null; CapAdd: string[] | null };
  NetworkSettings: {
    Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks: Record<string, { IPAddress: string; Gateway: string }>;
  };
}
