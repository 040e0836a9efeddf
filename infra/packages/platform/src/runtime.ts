import type { Bus } from './bus/bus.ts';
import { createKafkaBus } from './bus/kafka-bus.ts';
import type { BaseConfig } from './config.ts';
import { buildHttpApp, type HealthCheck, type HttpApp } from './http.ts';
import { createLogger, type Logger } from './log.ts';
import { type OutboxRelay, startOutboxRelay } from './pg/outbox.ts';
import { createPool, type Pool } from './pg/pool.ts';

/** The edges every service has: logs, Postgres, the bus, the outbox relay and an HTTP surface with /health. */
export interface ServiceRuntime {
  service: string;
  logger: Logger;
  pool: Pool;
  bus: Bus;
  relay: OutboxRelay;
  http: HttpApp;
  /** Starts listening; returns the bound URL. Call after registering routes. */
  listen(): Promise<string>;
  /**
   * Closes in dependency order: HTTP, the relay, then the bus (waiting for in-flight handlers), then Postgres.
   * Outbox rows written while stopping stay in Postgres and are published by the next start.
   */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  service: string;
  config: BaseConfig;
  /** Injected in tests (in-memory bus); otherwise a Kafka bus from the config. */
  bus?: Bus;
  logger?: Logger;
  health?: Record<string, HealthCheck>;
  openapi?: { title: string; description: string };
}

export async function createServiceRuntime(opts: RuntimeOptions): Promise<ServiceRuntime> {
  const { service, config } = opts;
  const logger = opts.logger ?? createLogger(service, config.LOG_LEVEL);
  const pool = createPool(config.DATABASE_URL, { applicationName: service });
  const bus =
    opts.bus ??
    createKafkaBus({ brokers: config.KAFKA_BROKERS, clientId: service, topicPrefix: config.TOPIC_PREFIX, logger });
  const relay = startOutboxRelay({ pool, bus, service, logger });
  const http = await buildHttpApp({
    service,
    logger,
    openapi: opts.openapi,
    health: {
      postgres: async () => {
        await pool.query('SELECT 1');
      },
      ...opts.health,
    },
  });
  return {
    service,
    logger,
    pool,
    bus,
    relay,
    http,
    async listen() {
      return http.listen({ port: config.PORT, host: config.HOST });
    },
    async close() {
      await http.close();
      await relay.stop();
      await bus.close();
      await pool.end();
    },
  };
}
