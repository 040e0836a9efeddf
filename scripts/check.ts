// `npm run check`: type-check and lint the whole workspace.
import { spawnSync } from 'node:child_process';

const steps: [string, string[]][] = [
  ['node_modules/.bin/tsc', ['-p', 'tsconfig.json']],
  ['node_modules/.bin/biome', ['check', '.']],
];
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
