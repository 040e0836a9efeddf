import { Kafka, logLevel } from 'kafkajs';

const probeTopic = '__reportline_probe';

/**
 * Waits until the broker answers metadata and can create (and lead) a topic, which is what every caller needs next.
 * `failed` is polled between attempts so a broker process that died is reported at once instead of at the deadline.
 */
export async function waitForKafka(
  brokers: string[],
  opts: { timeoutMs?: number; failed?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const kafka = new Kafka({
    clientId: 'reportline-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  });
  let lastError = 'no attempt made';
  for (let attempt = 0; ; attempt++) {
    const failure = opts.failed?.();
    if (failure) throw new Error(failure);
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      const existing = await admin.listTopics();
      if (!existing.includes(probeTopic)) {
        await admin.createTopics({ topics: [{ topic: probeTopic, numPartitions: 1 }], waitForLeaders: true });
      }
      await idempotentProduce(kafka);
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`Kafka at ${brokers.join(',')} not ready: ${lastError}`);
    await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** attempt, 1000)));
  }
}

/**
 * Services produce idempotently, which needs the broker's transaction coordinator. On a fresh broker it is still
 * loading, and kafkajs has been seen to wait forever in that state; one idempotent send here, under a deadline, means
 * the broker is ready for them before any starts.
 */
async function idempotentProduce(kafka: InstanceType<typeof Kafka>): Promise<void> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 5, initialRetryTime: 100 },
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await producer.connect();
        await producer.send({ topic: probeTopic, acks: -1, messages: [{ value: 'ready' }] });
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('idempotent producer not ready within 5 s')), 5_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await producer.disconnect().catch(() => {});
  }
}
