import { type IncomingMessage, request } from 'node:http';
import { until } from '@reportline/dev/wait';

export interface SseEvent {
  id: string;
  event: string;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read the payloads field by field
  data: any;
}

/** An open SSE stream as a test reads it: every message so far, and whether the server ended it. */
export interface TestStream {
  status: number;
  events: SseEvent[];
  ended: boolean;
  res: IncomingMessage;
  /** Waits for an event matching `match`, seen since the stream opened. */
  next(what: string, match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

/** Parses the event-stream format; comments (heartbeats) and `retry:` lines carry no event. */
export function parseFrames(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const i = line.indexOf(':');
      if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
    }
    if (fields.data !== undefined) {
      events.push({ id: fields.id ?? '', event: fields.event ?? 'message', data: JSON.parse(fields.data) });
    }
  }
  return { events, rest };
}

export function openStream(
  url: string,
  token: string,
  opts: { lastEventId?: string; paused?: boolean } = {},
): Promise<TestStream> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'text/event-stream',
        ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}),
      },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let buffer = '';
      const stream: TestStream = {
        status: res.statusCode ?? 0,
        events: [],
        ended: false,
        res,
        next: (what, match, timeoutMs = 20_000) => until(what, () => stream.events.find(match), timeoutMs),
        close: () => req.destroy(),
      };
      if (opts.paused) res.pause();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const parsed = parseFrames(buffer + chunk);
        buffer = parsed.rest;
        stream.events.push(...parsed.events);
      });
      const ended = () => {
        stream.ended = true;
      };
      res.on('end', ended);
      res.on('close', ended);
      res.on('error', ended);
      resolve(stream);
    });
    req.end();
  });
}
