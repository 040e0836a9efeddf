#!/usr/bin/env node
// The one entry point behind `npm run demo` and `npm test`. It must run on the machine's own Node (20+), so it is
// plain ESM JavaScript with no dependencies. It makes sure Node 24 LTS, pnpm and the workspace dependencies are present
// (each step is skipped when already done), then hands over to scripts/<command>.ts running on Node 24.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODE_VERSION = '24.21.0';
const PNPM_VERSION = '10.34.8';
const COMMANDS = ['demo', 'test', 'bench', 'check', 'infra', 'config-docs', 'chaos'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const toolchain = join(root, '.cache', 'toolchain');
const [command, ...args] = process.argv.slice(2);

const say = (msg) => process.stderr.write(`[bootstrap] ${msg}\n`);
const fail = (msg) => {
  say(msg);
  process.exit(1);
};

if (!COMMANDS.includes(command ?? '')) fail(`unknown command "${command}"; expected one of ${COMMANDS.join(', ')}`);

function run(cmd, cmdArgs, env) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.status !== 0) fail(`"${[cmd, ...cmdArgs].join(' ')}" failed with exit code ${r.status ?? r.signal}`);
}

function versionOf(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^v/, '') : undefined;
}

function ensureToolchain() {
  const localNode = join(toolchain, 'node_modules', 'node', 'bin', 'node');
  const pnpmCli = join(toolchain, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  const machineNodeOk = Number(process.versions.node.split('.')[0]) >= 24;
  const nodeBin = machineNodeOk ? process.execPath : localNode;
  const nodeOk = machineNodeOk || versionOf(localNode) === NODE_VERSION;
  const pnpmOk = existsSync(pnpmCli) && versionOf(pnpmCli) === PNPM_VERSION;
  if (!nodeOk || !pnpmOk) {
    // One install of the whole set: `npm install --no-save` prunes what it was not asked for, so installing only the
    // missing tool would remove the other one.
    const wanted = [...(machineNodeOk ? [] : [`node@${NODE_VERSION}`]), `pnpm@${PNPM_VERSION}`];
    say(`installing ${wanted.join(' and ')} into .cache/toolchain (machine Node is ${process.versions.node})`);
    mkdirSync(toolchain, { recursive: true });
    if (!existsSync(join(toolchain, 'package.json')))
      writeFileSync(join(toolchain, 'package.json'), '{"private":true}\n');
    run('npm', [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      toolchain,
      ...wanted,
    ]);
    if (!machineNodeOk && versionOf(localNode) !== NODE_VERSION)
      fail(`Node ${NODE_VERSION} did not install at ${localNode}`);
    if (versionOf(pnpmCli) !== PNPM_VERSION) fail(`pnpm ${PNPM_VERSION} did not install at ${pnpmCli}`);
  }
  return { nodeBin, pnpmCli };
}

// Dependencies are re-installed only when the lockfile, a package manifest or a patch changed since the last install.
function manifestsHash() {
  const h = createHash('sha256');
  const files = ['pnpm-lock.yaml', 'package.json', 'pnpm-workspace.yaml'];
  for (const group of ['services', 'infra/packages', 'infra/simulators']) {
    const dir = join(root, group);
    if (existsSync(dir)) for (const d of readdirSync(dir).sort()) files.push(join(group, d, 'package.json'));
  }
  files.push('contracts/package.json', 'infra/dev/package.json', 'infra/e2e/package.json');
  // pnpm applies patches only at install time, so an edited patch must trigger one too
  const patches = join(root, 'patches');
  if (existsSync(patches)) for (const p of readdirSync(patches).sort()) files.push(join('patches', p));
  for (const f of files) if (existsSync(join(root, f))) h.update(f).update(readFileSync(join(root, f)));
  return h.digest('hex');
}

function ensureDependencies(env, nodeBin, pnpmCli) {
  const stamp = join(root, 'node_modules', '.reportline-install');
  const want = manifestsHash();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  const frozen = existsSync(join(root, 'pnpm-lock.yaml')) && process.env.CI ? ['--frozen-lockfile'] : [];
  say(`installing workspace dependencies with pnpm ${PNPM_VERSION}`);
  run(nodeBin, [pnpmCli, 'install', '--reporter=append-only', ...frozen], env);
  writeFileSync(stamp, manifestsHash());
}

const { nodeBin, pnpmCli } = ensureToolchain();
const env = { ...process.env, PATH: `${dirname(nodeBin)}:${process.env.PATH ?? ''}`, REPORTLINE_PNPM: pnpmCli };
ensureDependencies(env, nodeBin, pnpmCli);

// The child owns shutdown: Ctrl-C reaches it directly (same process group), so here we only wait and pass SIGTERM on.
const child = spawn(nodeBin, [join(root, 'scripts', `${command}.ts`), ...args], { cwd: root, stdio: 'inherit', env });
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
