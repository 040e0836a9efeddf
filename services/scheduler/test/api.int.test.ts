import { until } from '@reportline/dev/wait';
import type { InMemoryBus, Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, type Inject, startInMemoryScheduler } from './in-memory-scheduler.ts';

/**
 * The request-import use case through the scheduler's real wiring, called with app.inject on the in-memory bus and
 * real Postgres: no Kafka and no socket between the test and the routes.
 */
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;

beforeAll(async () => {
  ({ bus, scheduler, inject } = await startInMemoryScheduler());
});

afterAll(() => scheduler?.close());

describe('requesting an import (in-memory bus, app.inject)', () => {
  it('publishes one ImportRequested for the connection and shows the import as requested', async () => {
    const connection = await createConnection(inject, '338047');
    expect(connection.statusCode).toBe(201);
    const requested = await inject({
      method: 'POST',
      url: '/imports',
      payload: { connectionId: connection.json().id, dateRange: { from: '2026-11-01', to: '2026-11-03' } },
    });
    expect(requested.statusCode).toBe(202);
    const { importId } = requested.json();
    const event = await until('ImportRequested on the bus', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === importId),
    );
    expect(event).toMatchObject({
      customerId: '338047',
      data: { priority: 'on-demand', dateRange: { from: '2026-11-01', to: '2026-11-03' } },
    });
    expect(JSON.stringify(event)).not.toContain('never-shown');
    const view = await inject({ method: 'GET', url: `/imports/${importId}` });
    expect(view.json()).toMatchObject({ status: 'requested', steps: [{ type: 'ImportRequested' }] });
  });

  it('answers a request for an unknown connection with 404 and publishes nothing', async () => {
    const before = bus.published.length;
    const res = await inject({ method: 'POST', url: '/imports', payload: { connectionId: crypto.randomUUID() } });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toContain('does not exist');
    expect(bus.published.length).toBe(before);
  });
});
