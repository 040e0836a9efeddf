import { topics } from '@reportline/contracts';
import {
  type Bus,
  type Clock,
  createServiceRuntime,
  eventLogContext,
  type Logger,
  postgresBlobStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import type { ProcessorConfig } from './config.ts';
import { processDownload, SERVICE } from './process.ts';

export async function startProcessor(
  config: ProcessorConfig,
  deps: { bus?: Bus; clock?: Clock; logger?: Logger } = {},
): Promise<Running & { url: string }> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  const processDeps = { pool: rt.pool, blobs: postgresBlobStore(rt.pool), clock: deps.clock ?? systemClock };
  const subscriber = await rt.bus.subscribe({
    group: SERVICE,
    topics: [topics.downloads],
    // A missing or changed raw file gives up at once (BlobNotFoundError is permanent); a bug, after bounded attempts.
    failure: rt.failurePolicy({ consumer: SERVICE, stage: 'process' }),
    handle: async (event) => {
      if (event.type !== 'ReportsDownloaded') return;
      const outcome = await processDownload(processDeps, event);
      rt.logger.info({ ...eventLogContext(event), outcome }, 'reports processed');
      rt.relay.nudge();
    },
  });
  const url = await rt.listen();
  return {
    url,
    async close() {
      await subscriber.stop();
      await rt.close();
    },
  };
}
