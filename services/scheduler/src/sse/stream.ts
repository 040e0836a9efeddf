import type { Pool } from '@reportline/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FeedEntry, type FeedPosition, readFeed, sequenceFeed } from './feed.ts';

export interface SseOptions {
  /** How often an open stream looks for new feed rows. */
  pollMs: number;
  /** A comment line this often keeps proxies and load balancers from closing an idle stream. */
  heartbeatMs: number;
  /**
   * Bytes a stream may have waiting in its socket's buffer (past what the kernel took). A client that reads slower
   * than its tenant changes is cut off here, rather than the service holding its backlog without bound; it resumes
   * with Last-Event-ID when it can keep up.
   */
  maxBufferBytes: number;
  /** A stream whose socket stays full this long (the client stopped reading) is cut off as well. */
  drainTimeoutMs: number;
  /** Feed rows read per query. */
  batch: number;
}

export const defaultSseOptions: SseOptions = {
  pollMs: 250,
  heartbeatMs: 15_000,
  maxBufferBytes: 1 << 20,
  drainTimeoutMs: 30_000,
  batch: 200,
};

/** One SSE message as written on the wire. */
export interface SseMessage {
  id: string;
  event: string;
  data: unknown;
}

export const frame = (m: SseMessage) => `id: ${m.id}\nevent: ${m.event}\ndata: ${JSON.stringify(m.data)}\n\n`;

/**
 * The open streams of one app: closing the app ends them (an open response would hold its close forever), and they
 * share one sequencing of the feed per poll instead of each asking for it.
 */
export class SseStreams {
  readonly open = new Set<() => void>();
  private sequencing: { at: number; done: Promise<unknown> } | undefined;
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }
  closeAll() {
    for (const end of [...this.open]) end();
  }
  sequenced(withinMs: number): Promise<unknown> {
    const now = Date.now();
    if (!this.sequencing || now - this.sequencing.at >= withinMs) {
      this.sequencing = { at: now, done: sequenceFeed(this.pool) };
    }
    return this.sequencing.done;
  }
}

/**
 * Answers `req` with an event stream of the tenant's feed after `after` (one import's, with `filter.importId`),
 * preceded by `first`. Called once the request is authorized: from here on the response is the stream's own.
 */
export function streamFeed(
  req: FastifyRequest,
  reply: FastifyReply,
  deps: { pool: Pool; options: SseOptions; streams: SseStreams },
  src: {
    filter: { tenantId: string; importId?: string };
    after: FeedPosition;
    first?: SseMessage[];
    toMessage: (entry: FeedEntry) => SseMessage;
    stillAuthorized?: () => Promise<boolean>;
  },
) {
  const { options } = deps;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // Reverse proxies (nginx) would otherwise hold events back in their buffer.
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  let closed = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    deps.streams.open.delete(end);
    wake?.();
  };
  const end = () => {
    stop();
    res.end();
  };
  deps.streams.open.add(end);
  res.on('close', stop);
  const cutOff = (why: string) => {
    req.log.warn({ buffered: res.writableLength }, `event stream cut off: ${why}`);
    stop();
    // destroy, not end: end would still flush the whole backlog to the client that cannot take it.
    res.destroy();
  };
  /** False once the stream is over (closed, or the client cut off for not reading). */
  const send = (chunk: string) => {
    if (closed) return false;
    res.write(chunk);
    if (res.writableLength <= options.maxBufferBytes) return true;
    cutOff('more than maxBufferBytes waiting for the client');
    return false;
  };
  /** Waits while the socket is full, so a fast reader is never cut off for a burst; false when it stayed full. */
  const drained = () =>
    !res.writableNeedDrain
      ? Promise.resolve(!closed)
      : new Promise<boolean>((resolve) => {
          const settle = (ok: boolean) => {
            clearTimeout(t);
            res.off('drain', onDrain);
            res.off('close', onDrain);
            resolve(ok && !closed);
          };
          const onDrain = () => settle(true);
          const t = setTimeout(() => {
            if (!closed) cutOff(`the client read nothing for ${options.drainTimeoutMs} ms`);
            settle(false);
          }, options.drainTimeoutMs);
          res.on('drain', onDrain);
          res.on('close', onDrain);
        });
  // The token was checked when the stream opened; a stream outliving its token's revocation ends at the next beat.
  const heartbeat = setInterval(async () => {
    if (!send(': keepalive\n\n')) return;
    if (src.stillAuthorized && !(await src.stillAuthorized().catch(() => true))) end();
  }, options.heartbeatMs);
  heartbeat.unref();

  send('retry: 2000\n\n');
  for (const m of src.first ?? []) send(frame(m));
  let cursor = src.after;
  void (async () => {
    while (!closed) {
      let entries: FeedEntry[];
      try {
        await deps.streams.sequenced(options.pollMs / 2);
        entries = await readFeed(deps.pool, src.filter, cursor, options.batch);
      } catch (err) {
        // The client reconnects and resumes from the last id it got; nothing is lost by ending here.
        req.log.error({ err }, 'event stream could not read the feed; ending it');
        end();
        return;
      }
      for (const e of entries) {
        if (!send(frame(src.toMessage(e))) || !(await drained())) return;
        cursor = e.position;
      }
      if (entries.length === options.batch) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, options.pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  })();
}
