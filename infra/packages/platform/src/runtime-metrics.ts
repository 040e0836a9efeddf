import type { Subscription } from './bus/bus.ts';
import type { ConsumerLagReader } from './bus/kafka-lag.ts';
import type { Logger } from './log.ts';
import { createServiceMetrics, type ServiceMetrics } from './metrics.ts';
import type { Pool } from './pg/pool.ts';

export interface RuntimeMetricsDeps {
  service: string;
  pool: Pool;
  logger: Logger;
  /** Absent on the in-memory bus, which has no offsets to compare: no lag series then. */
  lag?: ConsumerLagReader;
  /** The subscriptions started so far (none before start). */
  subscriptions: () => readonly Subscription[];
}

/**
 * The runtime's registry with its scrape-time gauges wired: the outbox counts from Postgres and the consumer lag from
 * the broker. A source that fails keeps the gauge's last value and logs, so one dependency being down neither fails the
 * scrape nor reports a misleading zero.
 */
export function runtimeMetrics(deps: RuntimeMetricsDeps): ServiceMetrics {
  const { service, pool, logger } = deps;
  const outboxCount = async (parked: boolean) => {
    const { rows } = await pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM platform.outbox
        WHERE service = $1 AND published_at IS NULL AND parked_at IS ${parked ? 'NOT NULL' : 'NULL'}`,
      [service],
    );
    return Number(rows[0]?.n ?? 0);
  };
  const keepOnError = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      logger.warn({ err }, `metrics: could not read ${what}; keeping its last value`);
    }
  };
  return createServiceMetrics(service, {
    onScrape: {
      outboxBacklog: (g) => keepOnError('the outbox backlog', async () => g.set(await outboxCount(false))),
      outboxParked: (g) => keepOnError('the parked outbox rows', async () => g.set(await outboxCount(true))),
      consumerLag: async (g) => {
        const lag = deps.lag;
        if (!lag) return;
        for (const sub of deps.subscriptions()) {
          await keepOnError(`the lag of ${sub.group}`, async () => {
            const byTopic = await lag.lag(
              sub.group,
              sub.topics.map((t) => t.name),
            );
            for (const [topic, n] of byTopic) g.set({ group: sub.group, topic }, n);
          });
        }
      },
    },
  });
}
