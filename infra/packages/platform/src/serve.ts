import type { z } from 'zod';
import type { Clock } from './clock.ts';
import { loadConfig } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { type Running, runService } from './service.ts';
import { clockFromConfig } from './simulated-clock.ts';

/**
 * A service's server.ts in one call: its logger, its config validated once, its clock (the real one unless a
 * simulation set SIMULATED_CLOCK_FILE), then `start` run until SIGTERM. One place, so no service can be started on a
 * different clock than the others of a simulated run.
 */
export async function serve<S extends z.ZodObject>(
  service: string,
  schema: S,
  start: (config: z.infer<S>, deps: { logger: Logger; clock: Clock }) => Promise<Running>,
): Promise<void> {
  const logger = createLogger(service, process.env.LOG_LEVEL);
  await runService(logger, async () => {
    const config = loadConfig(schema);
    return start(config, { logger, clock: clockFromConfig(config, logger) });
  });
}
