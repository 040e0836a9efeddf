import { waitForKafka } from './kafka-ready.ts';
import { freePort } from './ports.ts';

export const kafkaImage = 'apache/kafka:4.3.0';

/**
 * The official apache/kafka image through Testcontainers. The broker must advertise the address clients dial, which
 * for a mapped port is only known after start; mapping the same free port on both sides sidesteps that.
 */
export async function startKafkaContainer(
  log: (msg: string) => void,
): Promise<{ brokers: string[]; stop(): Promise<void> }> {
  log(`starting ${kafkaImage} with Testcontainers`);
  const { GenericContainer } = await import('testcontainers');
  const port = await freePort();
  const container = await new GenericContainer(kafkaImage)
    .withExposedPorts({ container: port, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: `PLAINTEXT://0.0.0.0:${port},CONTROLLER://localhost:9093`,
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      KAFKA_NUM_PARTITIONS: '1',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000',
    })
    .start();
  const brokers = [`127.0.0.1:${port}`];
  try {
    await waitForKafka(brokers, { timeoutMs: 120_000 });
  } catch (err) {
    await container.stop();
    throw err;
  }
  return { brokers, stop: async () => void (await container.stop()) };
}
