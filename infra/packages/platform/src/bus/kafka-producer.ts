import kafkajs, { type Kafka, type Producer, type ProducerBatch, type ProducerRecord } from 'kafkajs';
import type { BusLogger } from './bus.ts';

const { Partitioners } = kafkajs;

export interface ResilientProducer {
  send(record: ProducerRecord): Promise<void>;
  sendBatch(batch: ProducerBatch): Promise<void>;
  disconnect(): Promise<void>;
}

/**
 * An idempotent producer whose calls always settle. kafkajs can wait indefinitely inside `connect()` (seen when a
 * fresh broker's transaction coordinator answers "loading" to InitProducerId), which would stall an outbox relay
 * forever. Every connect and send gets a deadline; a call that misses it is rejected, the producer is thrown away, and
 * the caller's next call starts a new one. Callers (the outbox relay, dead-lettering) retry, so nothing is lost.
 */
export function resilientProducer(kafka: Kafka, logger: BusLogger, timeoutMs = 30_000): ResilientProducer {
  let current: { producer: Producer; connected: Promise<void> } | undefined;

  const fresh = () => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // murmur2, the Java client's partitioner: the same key lands on the same partition whichever client produced it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const connected = producer.connect();
    connected.catch(() => {}); // observed through withDeadline below
    return { producer, connected };
  };

  const withDeadline = async <T>(what: string, work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Kafka producer ${what} took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  const use = async (what: string, call: (p: Producer) => Promise<unknown>) => {
    current ??= fresh();
    const mine = current;
    try {
      await withDeadline('connect', mine.connected);
      await withDeadline(what, call(mine.producer));
    } catch (err) {
      if (current === mine) current = undefined;
      logger.warn({ err }, `Kafka producer ${what} failed; the next call uses a new producer`);
      mine.producer.disconnect().catch(() => {});
      throw err;
    }
  };

  return {
    send: (record) => use('send', (p) => p.send(record)),
    sendBatch: (batch) => use('send', (p) => p.sendBatch(batch)),
    async disconnect() {
      const mine = current;
      current = undefined;
      if (mine) await mine.producer.disconnect().catch(() => {});
    },
  };
}
