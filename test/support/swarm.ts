import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker } from './docker';

const run = promisify(execFile);
export const repoRoot = path.resolve(__dirname, '..', '..');

/** What the test found and must put back: whether it created the swarm, and the node labels it added. */
export interface SwarmLease {
  created: boolean;
  /** docker_gwbridge, the bridge swarm adds on first use, existed before: otherwise it goes with the swarm. */
  hadGatewayBridge: boolean;
  nodeId: string;
  labelsBefore: string[];
}

const toInt = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
function overlaps(a: string, b: string): boolean {
  const [ipA, bitsA] = a.split('/');
  const [ipB, bitsB] = b.split('/');
  const bits = Math.min(Number(bitsA), Number(bitsB));
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (toInt(ipA!) & mask) >>> 0 === (toInt(ipB!) & mask) >>> 0;
}

/**
 * An address pool for the swarm's overlay networks inside 172.16.0.0/12 (where Docker's bridges live, never
 * 10.0.0.0/8), from the top, where compose's bridges (allocated from 172.17.0.0/16 upwards) rarely reach,
 * and overlapping no network on this engine.
 */
async function freePool(): Promise<string> {
  const ids = (await docker(['network', 'ls', '-q'])).split('\n').filter(Boolean);
  const used = ids.length
    ? (await docker(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids]))
        .split(/\s+/)
        .filter((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s))
    : [];
  for (let second = 31; second >= 16; second--) {
    const pool = `172.${second}.240.0/20`;
    if (!used.some((subnet) => overlaps(pool, subnet))) return pool;
  }
  throw new Error(`no free /20 in 172.16.0.0/12 for the swarm's pool; networks use ${used.join(', ')}`);
}

/** Uses the active swarm, or creates a single-node one on 127.0.0.1 that releaseSwarm leaves again. */
export async function leaseSwarm(): Promise<SwarmLease> {
  const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).trim();
  let created = false;
  const hadGatewayBridge =
    (await docker(['network', 'ls', '-q', '--filter', 'name=^docker_gwbridge$'])).trim() !== '';
  if (state !== 'active') {
    const pool = await freePool();
    await docker([
      'swarm',
      'init',
      '--advertise-addr',
      '127.0.0.1',
      '--listen-addr',
      '127.0.0.1:2377',
      '--default-addr-pool',
      pool,
      '--default-addr-pool-mask-length',
      '24',
    ]);
    created = true;
  }
  const nodeId = (await docker(['info', '--format', '{{.Swarm.NodeID}}'])).trim();
  const labelsBefore = Object.keys(
    JSON.parse(await docker(['node', 'inspect', '--format', '{{json .Spec.Labels}}', nodeId])) ?? {},
  );
  return { created, hadGatewayBridge, nodeId, labelsBefore };
}

/** Leaves a swarm the test created; on a swarm that was there before, removes only the labels it added. */
export async function releaseSwarm(lease: SwarmLease): Promise<void> {
  if (lease.created) {
    await docker(['swarm', 'leave', '--force']);
    if (!lease.hadGatewayBridge) await docker(['network', 'rm', 'docker_gwbridge']);
    return;
  }
  for (const label of ['edge', 'db'])
    if (!lease.labelsBefore.includes(label))
      await docker(['node', 'update', '--label-rm', label, lease.nodeId]);
}

/** Runs scripts/swarm.sh; a failure carries its output. */
export async function swarmScript(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  try {
    const { stdout, stderr } = await run(path.join(repoRoot, 'scripts', 'swarm.sh'), args, {
      env,
      timeout: 400_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (error) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`scripts/swarm.sh ${args.join(' ')} failed: ${message}\n${stdout}${stderr}`);
  }
}

export interface ServiceState {
  replicas: string;
  updateState: string;
  image: string;
}

/** A service's replica count ("3/3"), update state ("" before any update) and image. */
export async function serviceState(service: string): Promise<ServiceState> {
  const line = await docker([
    'service',
    'ls',
    '--filter',
    `name=${service}`,
    '--format',
    '{{.Name}} {{.Replicas}}',
  ]);
  const replicas =
    line
      .split('\n')
      .find((l) => l.startsWith(`${service} `))
      ?.split(' ')[1] ?? '';
  const [updateState = '', image = ''] = (
    await docker([
      'service',
      'inspect',
      '--format',
      '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}|{{.Spec.TaskTemplate.ContainerSpec.Image}}',
      service,
    ])
  )
    .trim()
    .split('|');
  return { replicas, updateState, image };
}

/** The running containers of one service on this node. */
export async function containersOf(service: string): Promise<string[]> {
  return (await docker(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`]))
    .split('\n')
    .filter(Boolean);
}
