import { topics } from '@reportline/contracts';
import {
  type BuiltService,
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
import { defaultLayoutSource, type LayoutSource } from './layouts.ts';
import { processDownload, SERVICE } from './process.ts';

/** `layouts`: where a connection's sheet layout comes from (default: DEFAULT_LAYOUT for every connection). */
export type ProcessorDeps = { bus?: Bus; clock?: Clock; logger?: Logger; layouts?: LayoutSource };

/** The processor wired, not started: its HTTP app and `start` (relay, subscription, listen). */
export async function buildProcessor(config: ProcessorConfig, deps: ProcessorDeps = {}): Promise<BuiltService> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  const processDeps = {
    pool: rt.pool,
    blobs: postgresBlobStore(rt.pool),
    clock: deps.clock ?? systemClock,
    metrics: rt.metrics,
    layouts: deps.layouts ?? defaultLayoutSource,
  };
  return rt.assemble({
    subscriptions: [
      {
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
      },
    ],
  });
}

export async function startProcessor(
  config: ProcessorConfig,
  deps: ProcessorDeps = {},
): Promise<Running & { url: string }> {
  return (await buildProcessor(config, deps)).start();
}
