import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, repoRoot } from './paths.ts';

const pom = join(repoRoot, 'infra', 'kafka', 'pom.xml');
export const kafkaJarsDir = join(cacheDir, 'kafka', 'jars');
const stampFile = join(kafkaJarsDir, '.version');

/** The Kafka version pinned in infra/kafka/pom.xml; the jar cache is keyed by it. */
export async function pinnedKafkaVersion(): Promise<string> {
  const xml = await readFile(pom, 'utf8');
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(xml)?.[1];
  if (!version) throw new Error(`no <kafka.version> property in ${pom}`);
  return version;
}

/**
 * Makes sure the broker jars for the pinned version sit in .cache/kafka/jars and returns the directory. Maven runs
 * only when the cached set is missing or of another version; it writes into a scratch directory that is renamed into
 * place, so an interrupted or concurrent download never leaves a half-filled classpath behind.
 */
export async function ensureKafkaJars(log: (msg: string) => void): Promise<string> {
  const version = await pinnedKafkaVersion();
  if (existsSync(stampFile) && (await readFile(stampFile, 'utf8')).trim() === version) return kafkaJarsDir;
  log(`resolving Apache Kafka ${version} jars with Maven into ${kafkaJarsDir}`);
  const scratch = `${kafkaJarsDir}.tmp-${process.pid}`;
  await rm(scratch, { recursive: true, force: true });
  await run('mvn', [
    '-q',
    'dependency:copy-dependencies',
    `-DoutputDirectory=${scratch}`,
    '-DincludeScope=runtime',
    '-f',
    pom,
  ]);
  if (!existsSync(join(scratch, `kafka_2.13-${version}.jar`))) {
    throw new Error(`Maven finished but ${scratch} holds no kafka_2.13-${version}.jar`);
  }
  await writeFile(join(scratch, '.version'), `${version}\n`);
  if (existsSync(stampFile) && (await readFile(stampFile, 'utf8')).trim() === version) {
    await rm(scratch, { recursive: true, force: true }); // another run got there first
    return kafkaJarsDir;
  }
  await rm(kafkaJarsDir, { recursive: true, force: true });
  await rename(scratch, kafkaJarsDir);
  return kafkaJarsDir;
}

/** Runs a command to completion; on failure the error carries the tail of its output. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer) => {
      out = (out + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (err) => reject(new Error(`could not start ${cmd}: ${err.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args[0] ?? ''} failed (${signal ?? `exit ${code}`}):\n${out.slice(-3000)}`));
    });
  });
}
