/**
 * The top frames of a V8 CPU profile (node --cpu-prof), by self time, as a table:
 *   npx tsx scripts/bench/profile-top.ts FILE.cpuprofile [N]
 * Frames are grouped by function, file and line; "(garbage collector)", "(program)" and "(idle)" stay as V8
 * names them. Paths are shortened to what follows node_modules/ or app/.
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: profile-top.ts FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<string, number>();
let totalUs = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const frame = byId.get(id)?.callFrame;
  if (!frame) return;
  const where = frame.url.replace(/^.*?(node_modules\/|app\/)/, '$1').replace(/^file:\/\//, '');
  const key =
    `${frame.functionName || '(anonymous)'} ${where ? `${where}:${frame.lineNumber + 1}` : ''}`.trim();
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
  totalUs += dt;
});
const busyUs = totalUs - (selfUs.get('(idle)') ?? 0);
const top = [...selfUs.entries()]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(topArg ?? 15));
console.log(`busy ${(busyUs / 1000).toFixed(0)} ms of ${(totalUs / 1000).toFixed(0)} ms sampled`);
for (const [key, us] of top) {
  console.log(
    `${((100 * us) / busyUs).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`,
  );
}
