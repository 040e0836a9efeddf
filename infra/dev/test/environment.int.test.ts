import { existsSync } from 'node:fs';
import { allTopics } from '@reportline/contracts';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationDirs } from '../src/migrations.ts';
import {
  createTopics,
  type TestEnvironment,
  testContext,
  testEnvironment,
  uniquePrefix,
} from '../src/test-environment.ts';

let env: TestEnvironment;
const kafka = () =>
  new Kafka({ clientId: 'environment-int-test', brokers: env.kafkaBrokers, logLevel: logLevel.NOTHING });
const admin = () => kafka().admin();

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

async function partitionCounts(topicNames: string[]): Promise<Map<string, number>> {
  const a = admin();
  await a.connect();
  try {
    const { topics } = await a.fetchTopicMetadata({ topics: topicNames });
    return new Map(topics.map((t) => [t.name, t.partitions.length]));
  } finally {
    await a.disconnect();
  }
}

beforeAll(async () => {
  env = await testEnvironment();
});

describe('test environment', () => {
  it('creates every manifest topic with its partition count, and its one-partition dead-letter topic', async () => {
    const names = allTopics.flatMap((m) => [`${env.topicPrefix}${m.name}`, `${env.topicPrefix}${m.deadLetterTopic}`]);
    const counts = await partitionCounts(names);
    for (const m of allTopics) {
      expect(counts.get(`${env.topicPrefix}${m.name}`), m.name).toBe(m.partitions);
      expect(counts.get(`${env.topicPrefix}${m.deadLetterTopic}`), m.deadLetterTopic).toBe(1);
    }
  });

  it('gives this worker its own database, separate from the template', async () => {
    const ctx = testContext();
    const ownDb = new URL(env.databaseUrl).pathname.slice(1);
    expect(ownDb).toMatch(new RegExp(`^reportline_t_${ctx.runId}_`));
    expect(ownDb).not.toBe(ctx.templateDb);
    const [current] = await query<{ db: string }>(env.databaseUrl, 'SELECT current_database() AS db');
    expect(current?.db).toBe(ownDb);

    // a table made in the worker's database does not appear in the template
    await query(env.databaseUrl, 'CREATE TABLE IF NOT EXISTS public.worker_only_probe (id int)');
    const templateUrl = new URL(env.databaseUrl);
    templateUrl.pathname = `/${ctx.templateDb}`;
    const inTemplate = await query(
      templateUrl.toString(),
      "SELECT 1 FROM pg_tables WHERE tablename = 'worker_only_probe'",
    );
    expect(inTemplate).toHaveLength(0);
  });

  it("copies the template's migrations into the worker's database", async () => {
    const schemas = migrationDirs.filter((d) => existsSync(d.dir)).map((d) => d.schema);
    const rows = await query<{ schema: string }>(
      env.databaseUrl,
      "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'pgmigrations'",
    );
    expect(rows.map((r) => r.schema).sort()).toEqual([...schemas].sort());
  });

  it('returns the same database on every call within a worker', async () => {
    expect((await testEnvironment()).databaseUrl).toBe(env.databaseUrl);
  });

  it('does not create topics on demand: producing to an unknown topic fails', async () => {
    const producer = kafka().producer({ allowAutoTopicCreation: true, retry: { retries: 1, initialRetryTime: 100 } });
    await producer.connect();
    try {
      const topic = `${env.topicPrefix}no-such-topic-${Date.now()}`;
      await expect(producer.send({ topic, messages: [{ value: 'x' }], timeout: 2000 })).rejects.toThrow();
      const a = admin();
      await a.connect();
      try {
        expect(await a.listTopics()).not.toContain(topic);
      } finally {
        await a.disconnect();
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('creates fresh topics under a unique per-test prefix', async () => {
    const prefix = uniquePrefix();
    expect(prefix.startsWith(env.topicPrefix)).toBe(true);
    const specs = await createTopics(prefix);
    expect(specs).toHaveLength(allTopics.length * 2);
    await createTopics(prefix); // idempotent
    const counts = await partitionCounts(specs.map((s) => s.topic));
    for (const s of specs) expect(counts.get(s.topic)).toBe(s.numPartitions);
  });
});
