import { z } from 'zod';

/** Thrown at start-up when the environment does not describe a runnable service. Names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the environment once, at start. Values of variables are never echoed (they may be secrets); only names
 * and what is wrong with them.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

const brokerList = z
  .string({ message: 'required: comma-separated host:port list' })
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'at least one broker'));

const postgresUrl = z
  .string({ message: 'required: a postgres:// connection URL' })
  .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://');

/** Variables every service reads. Services extend this with their own. */
export const baseConfig = z.object({
  KAFKA_BROKERS: brokerList,
  DATABASE_URL: postgresUrl,
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/, 'lower-case letters, digits, . _ -')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HOST: z.string().default('127.0.0.1'),
});
export type BaseConfig = z.infer<typeof baseConfig>;
