import { randomUUID } from 'node:crypto';
import { allTopics, fromWire, type ReportlineEvent } from '@reportline/contracts';
import { headersToRecord, type Logger, type Pool, withTransaction } from '@reportline/platform';
import kafkajs from 'kafkajs';
import { type PositionedEvent, refoldImports } from './domain/rebuild-fold.ts';
import { lastProgressAt } from './domain/stall.ts';

const { Kafka, logLevel } = kafkajs;

export interface RebuildOptions {
  pool: Pool;
  brokers: string[];
  topicPrefix?: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
  /** Reading the topics up to their ends at the start must finish within this. Default 10 minutes. */
  timeoutMs?: number;
}

export interface RebuildReport {
  /** Messages read from the topics, and those that did not decode (skipped: they never reached a view either). */
  read: number;
  undecodable: number;
  /** Imports whose view was folded afresh; imports with no event anywhere are left as they are. */
  rebuilt: number;
}

/**
 * Every message of every topic, from the start up to the high-water marks as they were when it started, with a fresh
 * consumer group of its own (deleted after) that commits nothing: the live projection's group is not touched.
 */
export async function readTopics(
  opts: Pick<RebuildOptions, 'brokers' | 'topicPrefix' | 'timeoutMs'>,
): Promise<{ events: PositionedEvent[]; undecodable: number }> {
  const prefix = opts.topicPrefix ?? '';
  const kafka = new Kafka({ clientId: 'scheduler-rebuild', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `${prefix}scheduler-rebuild-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  try {
    const ends = new Map<string, bigint>();
    for (const t of allTopics) {
      for (const p of await admin.fetchTopicOffsets(prefix + t.name)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(`${prefix + t.name}:${p.partition}`, BigInt(p.high));
      }
    }
    const events: PositionedEvent[] = [];
    let undecodable = 0;
    if (ends.size === 0) return { events, undecodable };
    const topicsToRead = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf(':'))))];
    await consumer.connect();
    await consumer.subscribe({ topics: topicsToRead, fromBeginning: true });
    const remaining = new Set(ends.keys());
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`rebuild: did not reach the end of ${[...remaining].join(', ')} in time`)),
        opts.timeoutMs ?? 10 * 60_000,
      );
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            const key = `${topic}:${partition}`;
            const end = ends.get(key);
            const offset = BigInt(message.offset);
            if (end === undefined || offset >= end) return;
            const parsed = fromWire(headersToRecord(message.headers), message.value?.toString());
            if (parsed.ok) events.push({ event: parsed.event, topic: topic.slice(prefix.length), partition, offset });
            else undecodable++;
            if (offset >= end - 1n) {
              remaining.delete(key);
              consumer.pause([{ topic, partitions: [partition] }]);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
    clearTimeout(timer);
    return { events, undecodable };
  } finally {
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Rebuilds the scheduler's import read model (views, status, progress_at, the import_events timeline) from the topics.
 * Connections, tenants, tokens and held imports are commands' state and stay. In one transaction, with every import
 * row locked (the live projection waits), each view is folded afresh from its events on the topics together with the
 * events the scheduler recorded itself: held requests not yet published, and what the projection folded after the
 * read began. The projection's inbox is left alone: events it handled stay handled.
 */
export async function rebuildImportViews(opts: RebuildOptions): Promise<RebuildReport> {
  const { events, undecodable } = await readTopics(opts);
  opts.logger?.info({ read: events.length, undecodable }, 'topics read to their ends');
  const rebuilt = await withTransaction(opts.pool, async (tx) => {
    const { rows: imports } = await tx.query<{ import_id: string; customer_id: string; held: ReportlineEvent | null }>(
      'SELECT import_id, customer_id, held FROM scheduler.imports ORDER BY import_id FOR UPDATE',
    );
    const { rows: recorded } = await tx.query<{ event: ReportlineEvent }>('SELECT event FROM scheduler.import_events');
    const extra = [...recorded.map((r) => r.event), ...imports.flatMap((i) => (i.held ? [i.held] : []))];
    const folded = refoldImports(
      imports.map((i) => ({ importId: i.import_id, customerId: i.customer_id })),
      events,
      extra,
    );
    const ids = [...folded.keys()];
    await tx.query('DELETE FROM scheduler.import_events WHERE import_id = ANY($1::uuid[])', [ids]);
    const timeline = [...folded.values()].flatMap((f) => f.events);
    for (let i = 0; i < timeline.length; i += 500) {
      const batch = timeline.slice(i, i + 500).map((e) => ({
        event_id: e.id,
        import_id: e.importId,
        type: e.type,
        time: e.time,
        event: e,
      }));
      await tx.query(
        `INSERT INTO scheduler.import_events (event_id, import_id, type, time, event)
         SELECT event_id, import_id, type, time, event
         FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, import_id uuid, type text, time timestamptz, event jsonb)
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(batch)],
      );
    }
    const views = [...folded.values()].map((f) => ({
      import_id: f.view.importId,
      view: f.view,
      status: f.view.status,
      progress_at: lastProgressAt(f.view),
    }));
    for (let i = 0; i < views.length; i += 500) {
      await tx.query(
        `UPDATE scheduler.imports i
         SET view = x.view, status = x.status, progress_at = COALESCE(x.progress_at, i.requested_at), updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(import_id uuid, view jsonb, status text, progress_at timestamptz)
         WHERE i.import_id = x.import_id`,
        [JSON.stringify(views.slice(i, i + 500))],
      );
    }
    return folded.size;
  });
  opts.logger?.info({ rebuilt }, 'import views rebuilt');
  return { read: events.length, undecodable, rebuilt };
}
