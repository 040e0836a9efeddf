import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureKafkaJars, run } from './kafka-jars.ts';
import { waitForKafka } from './kafka-ready.ts';
import { repoRoot } from './paths.ts';
import { freePort } from './ports.ts';
import { guardProcess } from './watchdog.ts';

export interface LocalKafka {
  brokers: string[];
  stop(): Promise<void>;
  /**
   * Stops the broker (a controlled shutdown with SIGTERM, or SIGKILL as a crash), waits `downMs`, starts it again on
   * the same ports over the same data, and resolves once it answers again.
   */
  restart(o?: { downMs?: number; signal?: 'SIGTERM' | 'SIGKILL' }): Promise<void>;
}

const log4jConfig = join(repoRoot, 'infra', 'kafka', 'log4j2.properties');
const stopGraceMs = 10_000;

/** server.properties for one KRaft node acting as broker and controller, tuned for fast tests. */
export function serverProperties(p: { port: number; controllerPort: number; logDir: string }): string {
  return `${[
    'process.roles=broker,controller',
    'node.id=1',
    // with `format --standalone` the quorum is found through bootstrap servers, not a static voters list
    `controller.quorum.bootstrap.servers=127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${p.logDir}`,
    // topics come only from the manifests, so a typo in a topic name fails instead of creating a stray topic
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    // one offsets partition instead of 50: the first consumer group otherwise waits for 50 leaders
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // a new group starts at once, and tests may choose short session timeouts so dead members leave quickly
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
  ].join('\n')}\n`;
}

/**
 * Starts a single-node KRaft broker from the Apache Kafka jars (fetched once into .cache) on free loopback ports, with
 * its data in a fresh temp directory. The broker dies with this process; stop() ends it and removes the data.
 */
export async function startLocalKafka(log: (msg: string) => void): Promise<LocalKafka> {
  const jars = await ensureKafkaJars(log);
  const classpath = `${jars}/*`;
  const dir = await mkdtemp(join(tmpdir(), 'reportline-kafka-'));
  const logDir = join(dir, 'data');
  const [port, controllerPort] = await distinctFreePorts();
  const propsFile = join(dir, 'server.properties');
  await writeFile(propsFile, serverProperties({ port, controllerPort, logDir }));
  const jvm = [`-Dlog4j2.configurationFile=${log4jConfig}`, `-Dkafka.logs.dir=${dir}`, '-Djava.awt.headless=true'];
  // The storage tool takes the id as an argument: one starting with '-' would be read as a flag.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  try {
    await run('java', [
      '-Xmx256m',
      ...jvm,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      propsFile,
      '--standalone',
    ]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  const outFile = join(dir, 'stdout.log');
  const brokers = [`127.0.0.1:${port}`];
  // One JVM run of the broker over the formatted data directory: the first start and every restart are the same.
  const launch = async () => {
    const out = openSync(outFile, 'a');
    const java = spawn('java', ['-Xmx512m', '-XX:+UseSerialGC', ...jvm, '-cp', classpath, 'kafka.Kafka', propsFile], {
      stdio: ['ignore', out, out],
      detached: false,
    });
    closeSync(out);
    java.unref();
    let exited: string | undefined;
    const exitedPromise = new Promise<void>((resolve) => {
      java.once('exit', (code, signal) => {
        exited = signal ?? `exit ${code}`;
        resolve();
      });
      java.once('error', (err) => {
        exited = err.message;
        resolve();
      });
    });
    const dog = java.pid ? guardProcess(java.pid, { removeDir: dir }) : undefined;
    const onExit = () => java.kill('SIGTERM'); // the watchdog escalates to SIGKILL if this is not enough
    process.once('exit', onExit);
    const end = async (signal: 'SIGTERM' | 'SIGKILL') => {
      process.removeListener('exit', onExit);
      if (signal === 'SIGKILL') {
        if (exited === undefined) java.kill('SIGKILL');
        await exitedPromise;
      } else {
        await terminate(java, exitedPromise, () => exited !== undefined);
      }
      dog?.release();
    };
    await waitForKafka(brokers, {
      timeoutMs: 90_000,
      failed: () =>
        exited
          ? `local Kafka broker exited (${exited}) during startup:\n${tail(outFile)}${tail(join(dir, 'server.log'))}`
          : undefined,
    });
    return end;
  };

  let end: ((signal: 'SIGTERM' | 'SIGKILL') => Promise<void>) | undefined;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await end?.('SIGTERM');
      end = undefined;
      await rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    end = await launch();
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    brokers,
    stop,
    async restart({ downMs = 0, signal = 'SIGTERM' } = {}) {
      if (stopped) throw new Error('the local Kafka broker was stopped; it cannot restart');
      // The same ports and data: clients see their connections drop, refused ones for downMs, then the same broker.
      await end?.(signal);
      end = undefined;
      await new Promise((r) => setTimeout(r, downMs));
      end = await launch();
    },
  };
}

async function terminate(child: ChildProcess, exited: Promise<void>, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), stopGraceMs);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function distinctFreePorts(): Promise<[number, number]> {
  const a = await freePort();
  for (;;) {
    const b = await freePort();
    if (b !== a) return [a, b];
  }
}

function tail(file: string): string {
  return existsSync(file) ? `${file}:\n${readFileSync(file, 'utf8').slice(-2000)}\n` : '';
}
