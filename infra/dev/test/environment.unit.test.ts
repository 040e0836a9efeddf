import { allTopics } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { withDatabase } from '../src/databases.ts';
import { parseBrokers } from '../src/environment.ts';
import { serverProperties } from '../src/kafka-local.ts';
import { newRunId, runStartedAt } from '../src/test-context.ts';
import { topicSpecs } from '../src/topics.ts';

describe('parseBrokers', () => {
  it('splits and trims a comma-separated list', () => {
    expect(parseBrokers(' 127.0.0.1:9092, kafka:19092 ')).toEqual(['127.0.0.1:9092', 'kafka:19092']);
  });

  it('names the bad entry', () => {
    expect(() => parseBrokers('127.0.0.1:9092,localhost')).toThrow(/"localhost"/);
    expect(() => parseBrokers(' , ')).toThrow(/KAFKA_BROKERS/);
  });
});

describe('topicSpecs', () => {
  it('lists each manifest topic with its partitions and a one-partition dead-letter topic, prefixed', () => {
    const specs = topicSpecs('t1.');
    expect(specs).toHaveLength(allTopics.length * 2);
    for (const m of allTopics) {
      expect(specs).toContainEqual({ topic: `t1.${m.name}`, numPartitions: m.partitions });
      expect(specs).toContainEqual({ topic: `t1.${m.deadLetterTopic}`, numPartitions: 1 });
    }
  });
});

describe('serverProperties', () => {
  it('uses bootstrap servers for the standalone quorum and turns auto topic creation off', () => {
    const props = serverProperties({ port: 1111, controllerPort: 2222, logDir: '/tmp/x' });
    expect(props).toContain('controller.quorum.bootstrap.servers=127.0.0.1:2222');
    expect(props).not.toContain('controller.quorum.voters');
    expect(props).toContain('listeners=PLAINTEXT://127.0.0.1:1111,CONTROLLER://127.0.0.1:2222');
    expect(props).toContain('auto.create.topics.enable=false');
    expect(props).toContain('log.dirs=/tmp/x');
  });
});

describe('withDatabase', () => {
  it('swaps the database and keeps credentials and options', () => {
    expect(withDatabase('postgres://u:p@h:5432/postgres?sslmode=disable', 'reportline_t_x_1')).toBe(
      'postgres://u:p@h:5432/reportline_t_x_1?sslmode=disable',
    );
  });

  it('rejects names that would need quoting', () => {
    expect(() => withDatabase('postgres://h/postgres', 'Bad-Name')).toThrow(/Bad-Name/);
  });
});

describe('run ids', () => {
  it('are lowercase database-safe and carry their start time to the second', () => {
    const now = Date.UTC(2025, 10, 22, 3, 30, 15, 900);
    const id = newRunId(now);
    expect(id).toMatch(/^[0-9a-z]{9}$/);
    expect(runStartedAt(id)).toBe(Date.UTC(2025, 10, 22, 3, 30, 15));
  });

  it('are not recognised in other names', () => {
    expect(runStartedAt('postgres')).toBeUndefined();
  });
});
