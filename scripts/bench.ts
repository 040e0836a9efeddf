// `npm run bench -- <name> [args]`: benchmarks print figures; they are not tests and assert nothing about speed.
import { spawnSync } from 'node:child_process';

const benches: Record<string, string> = {
  naver: 'infra/packages/naver-client/bench/client.bench.ts',
  lock: 'services/lock-service/bench/lock.bench.ts',
};
const [name, ...args] = process.argv.slice(2);
const script = name ? benches[name] : undefined;
if (!script) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}> [args]`);
  process.exit(2);
}
const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
