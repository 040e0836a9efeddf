import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument, asyncApiFile } from '../scripts/asyncapi.ts';
import { allTopics, eventDefinitions, eventKey, examples, toWire, wireHeadersSchema } from '../src/index.ts';

const committed = readFileSync(asyncApiFile, 'utf8');

describe('asyncapi.json', () => {
  it('is what contracts/scripts/asyncapi.ts generates from the manifests and schemas', () => {
    // Other teams read the committed file, not the generator: a manifest or schema change must regenerate it.
    expect(
      JSON.parse(committed),
      'contracts/asyncapi.json is stale: run `node contracts/scripts/asyncapi.ts` (Node 24)',
    ).toEqual(asyncApiDocument());
  });

  it('is a valid AsyncAPI 3.0 document', async () => {
    const diagnostics = await new Parser().validate(committed);
    // Severity 0 is an error; warnings and hints are style advice, printed so they are seen, not failed on.
    const errors = diagnostics.filter((d) => d.severity === 0);
    for (const d of diagnostics.filter((x) => x.severity !== 0)) {
      console.warn(`asyncapi: ${d.code} at ${d.path.join('.') || '(root)'}: ${d.message}`);
    }
    expect(errors.map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`)).toEqual([]);
  });

  it('has a channel per topic and per dead-letter topic, and a message per event version', () => {
    const doc = asyncApiDocument();
    const addresses = Object.values(doc.channels).map((c) => (c as { address: string }).address);
    expect(addresses.sort()).toEqual(allTopics.flatMap((t) => [t.name, t.deadLetterTopic]).sort());
    expect(Object.keys(doc.components.messages).sort()).toEqual(
      [...eventDefinitions.map((d) => eventKey(d.type, d.version)), 'DeadLetter'].sort(),
    );
  });

  it("publishes headers every example's binary-mode message satisfies", () => {
    for (const example of examples) {
      const def = eventDefinitions.find((d) => d.type === example.type && d.version === example.version)!;
      expect(wireHeadersSchema(def).safeParse(toWire(example).headers).success).toBe(true);
    }
  });
});
