// Runs in each test worker before every int/e2e test file. Config loaders in the code under test read KAFKA_BROKERS;
// pointing it at the run's broker here means tests need not pass brokers by hand. Databases stay per worker and are
// created on first use by testEnvironment().
import { testContext } from './test-environment.ts';

const ctx = testContext();
process.env.KAFKA_BROKERS = ctx.kafkaBrokers.join(',');
