import { describe, expect, it } from 'vitest';
import { baseConfig, ConfigError, loadConfig } from '../src/config.ts';
import { secretsKey } from '../src/pg/secrets.ts';

const schema = baseConfig.extend({ SECRETS_KEY: secretsKey });

describe('configuration', () => {
  it('parses a valid environment with defaults', () => {
    const c = loadConfig(schema, {
      KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.2:9092',
      DATABASE_URL: 'postgres://u@h/db',
      SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
    });
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.2:9092']);
    expect(c).toMatchObject({ LOG_LEVEL: 'info', PORT: 0, TOPIC_PREFIX: '' });
  });

  it('names every bad variable and never echoes a value', () => {
    const leaked = 'postgres-password-in-a-mysql-url';
    let error: unknown;
    try {
      loadConfig(schema, {
        KAFKA_BROKERS: 'no-port',
        DATABASE_URL: `mysql://${leaked}`,
        SECRETS_KEY: 'c2hvcnQ=',
        PORT: '99999',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'SECRETS_KEY', 'PORT']) expect(message).toContain(name);
    expect(message).not.toContain(leaked);
  });
});
