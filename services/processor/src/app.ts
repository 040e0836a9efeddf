import { topics } from '@reportline/contracts';
import {
  type BuiltService,
  type Bus,
  type Clock,
  createServiceRuntime,
  eventLogContext,
  every,
  type Logger,
  postgresBlobStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import type { ProcessorConfig } from './config.ts';
import { forgetOldLayouts, type LayoutSource, recordImportLayout, storedLayouts } from './layouts.ts';
import { processDownload, SERVICE } from './process.ts';

/** `layouts`: where an import's sheet layout comes from (default: as its ImportRequested asked, kept in Postgres). */
export type ProcessorDeps = { bus?: Bus; clock?: Clock; logger?: Logger; layouts?: LayoutSource };

/** The processor wired, not started: its HTTP app and `start` (relay, subscription, listen). */
export async function buildProcessor(config: ProcessorConfig, deps: ProcessorDeps = {}): Promise<BuiltService> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  const processDeps = {
    pool: rt.pool,
    blobs: postgresBlobStore(rt.pool),
    clock: deps.clock ?? systemClock,
    metrics: rt.metrics,
    layouts: deps.layouts ?? storedLayouts(rt.pool),
  };
  const clock = deps.clock ?? systemClock;
  return rt.assemble({
    subscriptions: [
      {
        // Each import's layout, read from its request, for when its reports arrive (src/layouts.ts).
        group: `${SERVICE}-layouts`,
        topics: [topics.imports],
        failure: rt.failurePolicy({ consumer: `${SERVICE}-layouts` }),
        handle: async (event) => {
          if (event.type === 'ImportRequested') await recordImportLayout(rt.pool, event, clock.now());
        },
      },
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
    loops: [
      // No import lives past the scheduler's lifetime bound (3 h): a week-old layout is never asked for again.
      () => {
        const stop = new AbortController();
        const sweep = every(
          LAYOUT_SWEEP_MS,
          async () => void (await forgetOldLayouts(rt.pool, new Date(clock.now().getTime() - LAYOUT_KEEP_MS))),
          { signal: stop.signal, onError: (err) => rt.logger.warn({ err }, 'forgetting old layouts failed; retrying') },
        );
        return async () => {
          stop.abort();
          await sweep.done;
        };
      },
    ],
  });
}

const LAYOUT_SWEEP_MS = 60 * 60_000;
const LAYOUT_KEEP_MS = 7 * 24 * 60 * 60_000;

export async function startProcessor(
  config: ProcessorConfig,
  deps: ProcessorDeps = {},
): Promise<Running & { url: string }> {
  return (await buildProcessor(config, deps)).start();
}
