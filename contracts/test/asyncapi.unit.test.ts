import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { asyncApiDocument, asyncApiFile } from '../scripts/asyncapi.ts';
import { allTopics, eventDefinitions, eventKey, examples, topicOf, toWire, wireHeadersSchema } from '../src/index.ts';

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

  // @asyncapi/parser checks the document's structure but not, for 3.0 documents, that examples match their schemas.
  // Other teams validate with these JSON Schemas, not with zod, so each published example is checked against them.
  it('publishes examples that satisfy their own header, payload and key schemas', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(ajv);
    type Message = {
      headers: object;
      payload: object;
      bindings: { kafka: { key: object } };
      examples?: { headers: object; payload: unknown }[];
    };
    // A message example has no place for the key, so the key schema is checked against the source example's key.
    for (const e of examples) {
      const m = (JSON.parse(committed).components.messages as Record<string, Message>)[eventKey(e.type, e.version)]!;
      const validate = ajv.compile(m.bindings.kafka.key);
      expect(validate(e[topicOf(e.type, e.version).key]), `${eventKey(e.type, e.version)} key`).toBe(true);
    }
    for (const [id, m] of Object.entries(JSON.parse(committed).components.messages as Record<string, Message>)) {
      for (const ex of m.examples ?? []) {
        for (const [part, schema, value] of [
          ['headers', m.headers, ex.headers],
          ['payload', m.payload, ex.payload],
        ] as const) {
          const validate = ajv.compile(schema);
          expect(validate(value), `${id} example ${part}: ${ajv.errorsText(validate.errors)}`).toBe(true);
        }
      }
    }
  });

  it("publishes headers every example's binary-mode message satisfies", () => {
    for (const example of examples) {
      const def = eventDefinitions.find((d) => d.type === example.type && d.version === example.version)!;
      expect(wireHeadersSchema(def).safeParse(toWire(example).headers).success).toBe(true);
    }
  });
});
