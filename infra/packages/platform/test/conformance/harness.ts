import type { ServiceName, TopicManifest } from '@reportline/contracts';
import type { Bus, DeadLetter, RawMessage } from '../../src/bus/bus.ts';

/** A fresh bus on fresh topics, plus the two things a test needs from outside the `Bus` interface. */
export interface BusHarness {
  bus: Bus;
  /** Everything dead-lettered from `topic` so far. */
  deadLetters(topic: TopicManifest): Promise<DeadLetter[]>;
  /** Writes a message as is, bypassing encoding: the only way to put an undecodable message on a topic. */
  publishRaw(topic: TopicManifest, message: RawMessage): Promise<void>;
  /** A bus of the same kind that subscribes as `service` (checked against the manifests); cleanup closes it. */
  busFor(service: ServiceName): Bus;
  cleanup(): Promise<void>;
}

export type MakeBus = () => Promise<BusHarness>;
