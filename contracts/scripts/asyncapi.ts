// Writes contracts/asyncapi.json, the AsyncAPI 3.0 document of every Reportline topic, from the topic manifests and
// the zod schemas, so other teams get one machine-readable description that cannot drift from what services parse
// (contracts/test/asyncapi.unit.test.ts checks the committed file against this output and validates it). Run it with
// Node 24 after changing a manifest or adding an event version: `node contracts/scripts/asyncapi.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { z } from 'zod';
import {
  type AnyEventDefinition,
  allTopics,
  CONTENT_TYPE,
  ceType,
  DEAD_LETTER_PARTITIONS,
  DeadLetterHeaders,
  eventKey,
  examples,
  type TopicManifest,
  topics,
  toWire,
  wireHeadersSchema,
} from '../src/index.ts';

export const asyncApiFile = join(import.meta.dirname, '..', 'asyncapi.json');

// The AsyncAPI Schema format is a superset of JSON Schema draft 07, so schemas are emitted in that dialect; `$schema`
// is dropped because inside a document the format is the document's default, not a per-schema declaration.
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<string, unknown>;
  return rest;
}

const KAFKA_BINDING = '0.5.0';
type TopicId = keyof typeof topics;
const topicIds = Object.keys(topics) as TopicId[];
const dlqId = (id: TopicId) => `${id}Dlq`;
const ref = (pointer: string) => ({ $ref: `#/${pointer}` });

/**
 * The doc comment above each `defineEvent('Type', n, …)` in src/events, by event key: the why of a version (what v2
 * adds and how a v1 is handled) is written there once, and a zod description would change the frozen schemas.
 */
function eventDocs(): Map<string, string> {
  const dir = join(import.meta.dirname, '..', 'src', 'events');
  const docs = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, readFileSync(join(dir, file), 'utf8'), ts.ScriptTarget.Latest, true);
    for (const statement of source.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      const call = statement.declarationList.declarations[0]?.initializer;
      if (!call || !ts.isCallExpression(call) || call.expression.getText(source) !== 'defineEvent') continue;
      const [type, version] = call.arguments;
      const comment = ts
        .getJSDocCommentsAndTags(statement)
        .map((d) => ts.getTextOfJSDocComment(d.comment) ?? '')
        .join('\n')
        .trim();
      if (type && version && ts.isStringLiteral(type) && ts.isNumericLiteral(version) && comment) {
        docs.set(eventKey(type.text, Number(version.text)), comment.replace(/\s*\n\s*/g, ' '));
      }
    }
  }
  return docs;
}

function message(def: AnyEventDefinition, manifest: TopicManifest, docs: Map<string, string>) {
  const description = docs.get(eventKey(def.type, def.version));
  const example = examples.find((e) => e.type === def.type && e.version === def.version);
  if (!example) throw new Error(`no example for ${eventKey(def.type, def.version)}`);
  const wire = toWire(example);
  const key = example[manifest.key];
  return {
    name: def.type,
    title: `${def.type} v${def.version}`,
    summary: `${ceType(def.type, def.version)} on ${manifest.name}${def.leased ? '; carries the fencing token' : ''}`,
    ...(description ? { description } : {}),
    contentType: CONTENT_TYPE,
    headers: jsonSchema(wireHeadersSchema(def)),
    payload: jsonSchema(def.data),
    correlationId: {
      description: "The import's correlation id: the id of its ImportRequested, shared by every event of the import.",
      location: '$message.header#/ce_correlationid',
    },
    bindings: {
      kafka: {
        key: { ...jsonSchema(def.schema.shape[manifest.key]), description: `the envelope's ${manifest.key}` },
        bindingVersion: KAFKA_BINDING,
      },
    },
    examples: [
      { name: `${def.type}-v${def.version}`, summary: `key ${key}`, headers: wire.headers, payload: example.data },
    ],
  };
}

const deadLetterMessage = {
  name: 'DeadLetter',
  title: 'Dead letter',
  summary: 'A message a consumer gave up on, as it was read, plus where it came from and why it was rejected.',
  description:
    'Key, value and headers are the original ones, untouched: the value may be anything (it may be why the message ' +
    'was rejected), and the original `ce_*` headers are present when the producer set them.',
  headers: jsonSchema(DeadLetterHeaders),
  payload: {},
  bindings: { kafka: { key: { type: 'string', description: 'the original key' }, bindingVersion: KAFKA_BINDING } },
};

function channels() {
  const out: Record<string, unknown> = {};
  for (const id of topicIds) {
    const t: TopicManifest = topics[id];
    const kafka = (name: string, partitions: number) => ({ topic: name, partitions, bindingVersion: KAFKA_BINDING });
    out[id] = {
      address: t.name,
      title: t.name,
      description: `${t.description}\n\nKey: the envelope's \`${t.key}\`. Owner: ${t.owner}. Dead letters: ${t.deadLetterTopic}.`,
      messages: Object.fromEntries(
        t.events.map((e) => [eventKey(e.type, e.version), ref(`components/messages/${eventKey(e.type, e.version)}`)]),
      ),
      bindings: { kafka: kafka(t.name, t.partitions) },
      'x-owner': t.owner,
    };
    out[dlqId(id)] = {
      address: t.deadLetterTopic,
      title: t.deadLetterTopic,
      description: `Messages of ${t.name} its consumers gave up on.`,
      messages: { DeadLetter: ref('components/messages/DeadLetter') },
      bindings: { kafka: kafka(t.deadLetterTopic, DEAD_LETTER_PARTITIONS) },
      'x-owner': t.owner,
    };
  }
  return out;
}

// One operation per service and topic, as the manifests say. Without `messages` an operation covers every message of
// its channel: the manifests name who produces to and consumes from a topic, not which of its events each one sends.
function operations() {
  const out: Record<string, unknown> = {};
  const add = (service: string, action: 'send' | 'receive', channel: string, summary: string) => {
    out[`${service}.${action}.${channel}`] = {
      action,
      channel: ref(`channels/${channel}`),
      summary,
      tags: [{ name: service }],
    };
  };
  for (const id of topicIds) {
    const t = topics[id];
    for (const s of t.producers) add(s, 'send', id, `${s} produces to ${t.name}`);
    for (const s of t.consumers) add(s, 'receive', id, `${s} consumes ${t.name}`);
    for (const s of t.consumers) add(s, 'send', dlqId(id), `${s} dead-letters what it cannot handle from ${t.name}`);
  }
  return out;
}

export function asyncApiDocument() {
  const docs = eventDocs();
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Reportline events',
      version: '1.0.0',
      description:
        "Every Reportline topic and event version, generated from @reportline/contracts. Messages use the CloudEvents Kafka binding in binary mode: the envelope travels as `ce_*` headers, the value is the event's `data` as JSON. Each (type, version) is immutable; a change is a new version beside the old one, on the same topic.",
    },
    defaultContentType: CONTENT_TYPE,
    channels: channels(),
    operations: operations(),
    components: {
      messages: {
        ...Object.fromEntries(
          allTopics.flatMap((t) => t.events.map((e) => [eventKey(e.type, e.version), message(e, t, docs)] as const)),
        ),
        DeadLetter: deadLetterMessage,
      },
    },
  };
}

// The file is then laid out by the workspace's formatter, so `npm run check` (which formats JSON too) accepts it; the
// test therefore compares the parsed document, not the text.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(import.meta.dirname, '..', '..');
  writeFileSync(asyncApiFile, `${JSON.stringify(asyncApiDocument(), null, 2)}\n`);
  const biome = spawnSync(join(root, 'node_modules', '.bin', 'biome'), ['format', '--write', asyncApiFile], {
    stdio: 'inherit',
  });
  if (biome.status !== 0) process.exit(biome.status ?? 1);
  console.log(`wrote ${relative(root, asyncApiFile)}`);
}
