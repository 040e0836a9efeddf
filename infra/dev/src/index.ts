export { databasesWithPrefix, dropDatabases, ensureDatabase, withDatabase } from './databases.ts';
export { dockerAnswers } from './docker.ts';
export {
  type Environment,
  type EnvironmentOptions,
  type KafkaSource,
  type PostgresSource,
  parseBrokers,
  startEnvironment,
} from './environment.ts';
export { ensureKafkaJars, pinnedKafkaVersion } from './kafka-jars.ts';
export { startLocalKafka } from './kafka-local.ts';
export { waitForKafka } from './kafka-ready.ts';
export { type MigrationDir, migrateAll, migrationDirs } from './migrations.ts';
export { createTopics, deleteTopicsWithPrefix, type TopicSpec, topicSpecs } from './topics.ts';
