import { topics } from '@reportline/contracts';
import {
  type Bus,
  type Clock,
  createServiceRuntime,
  eventLogContext,
  type Logger,
  type Running,
  systemClock,
} from '@reportline/platform';
import { z } from 'zod';
import type { LockServiceConfig } from './config.ts';
import { applyCommand, SERVICE } from './decisions.ts';
import { commandFor } from './domain/commands.ts';
import { dueCustomers, readLockView } from './store.ts';

export interface LockServiceDeps {
  bus?: Bus;
  clock?: Clock;
  logger?: Logger;
}

export async function startLockService(config: LockServiceConfig, deps: LockServiceDeps = {}): Promise<Running & { url: string }> {
  const clock = deps.clock ?? systemClock;
  const rt = await createServiceRuntime({ service: SERVICE, config, bus: deps.bus, logger: deps.logger });
  const policy = { leaseTtlMs: config.LEASE_TTL_MS, lockDelayMs: config.LOCK_DELAY_MS };
  const decisionDeps = { pool: rt.pool, clock, policy };

  rt.http.get(
    '/locks/:customerId',
    { schema: { params: z.object({ customerId: z.string().regex(/^\d+$/) }), description: 'Holder, queue and lease history of one NAVER customer id.' } },
    async (req, reply) => {
      const view = await readLockView(rt.pool, req.params.customerId);
      return view ?? reply.status(404).send({ title: 'no lock state for this customer id', status: 404 });
    },
  );

  const subscriber = await rt.bus.subscribe({
    group: 'lock-service',
    topics: [topics.imports, topics.leaseReleases],
    handle: async (event) => {
      const command = commandFor(event);
      if (!command) return;
      const n = await applyCommand(decisionDeps, event.customerId, command, { consumer: SERVICE, eventId: event.id });
      rt.logger.debug({ ...eventLogContext(event), command: command.kind, published: n }, 'decided');
      if (n > 0) rt.relay.nudge();
    },
  });

  // Expiries and ends of lock-delay are decided by time, not by a message: a sweep ticks the locks that are due.
  let stopped = false;
  const sweep = async () => {
    while (!stopped) {
      try {
        for (const customerId of await dueCustomers(rt.pool, clock.now())) {
          if ((await applyCommand(decisionDeps, customerId, { kind: 'tick' })) > 0) rt.relay.nudge();
        }
      } catch (err) {
        rt.logger.error({ err }, 'lease sweep failed; retrying');
      }
      await new Promise((r) => setTimeout(r, config.TICK_MS));
    }
  };
  const sweeping = sweep();
  const url = await rt.listen();
  return {
    url,
    async close() {
      stopped = true;
      await sweeping;
      await subscriber.stop();
      await rt.close();
    },
  };
}
