// `node scripts/bootstrap.mjs config-docs`: writes docs/configuration.md from the services' zod config schemas, so the
// list of environment variables cannot drift from what the services read (scripts/config-docs.unit.test.ts checks
// the committed file). `--stdout` prints it instead. A variable's description is its schema's `.describe()` or, failing
// that, the comment above it in the config source, or the message a missing required value is rejected with.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { baseConfig } from '../infra/packages/platform/src/config.ts';
import { lockServiceConfig } from '../services/lock-service/src/config.ts';
import { fetcherConfig } from '../services/naver-fetcher/src/config.ts';
import { processorConfig } from '../services/processor/src/config.ts';
import { schedulerConfig } from '../services/scheduler/src/config.ts';
import { sheetsWriterConfig } from '../services/sheets-writer/src/config.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const platformConfigFile = 'infra/packages/platform/src/config.ts';

/**
 * What this script needs of a zod schema. The root package does not depend on zod (each service does), so the types
 * are structural here.
 */
interface Field {
  safeParse(
    v: unknown,
  ): { success: true; data: unknown } | { success: false; error: { issues: { message: string }[] } };
  description?: string | undefined;
  def: object;
}
export interface ConfigSchema {
  shape: Record<string, unknown>;
}

export type ServiceId = 'scheduler' | 'lock-service' | 'naver-fetcher' | 'processor' | 'sheets-writer';

/** Each service's config schema and the source file it is defined in. */
export const serviceConfigs: Record<ServiceId, { schema: ConfigSchema; file: string }> = {
  scheduler: { schema: schedulerConfig, file: 'services/scheduler/src/config.ts' },
  'lock-service': { schema: lockServiceConfig, file: 'services/lock-service/src/config.ts' },
  'naver-fetcher': { schema: fetcherConfig, file: 'services/naver-fetcher/src/config.ts' },
  processor: { schema: processorConfig, file: 'services/processor/src/config.ts' },
  'sheets-writer': { schema: sheetsWriterConfig, file: 'services/sheets-writer/src/config.ts' },
};

export interface ConfigVariable {
  name: string;
  required: boolean;
  /** The default as the service sees it (after coercion); undefined when there is none. */
  default: unknown;
  /** Allowed values of an enum. */
  oneOf?: string[];
  description: string;
}

/** The variables of a schema, in its order. */
export function configVariables(schema: ConfigSchema, sourceFiles: string[]): ConfigVariable[] {
  const comments = new Map<string, string>();
  for (const file of sourceFiles) for (const [k, v] of commentsOf(file)) comments.set(k, v);
  return Object.entries(schema.shape).map(([name, field]) => {
    const f = field as Field;
    const missing = f.safeParse(undefined);
    const required = !missing.success;
    const inner = (f.def as { innerType?: Field }).innerType ?? f;
    const options = (inner as { options?: unknown[] }).options;
    const rejection = missing.success ? '' : (missing.error.issues[0]?.message ?? '');
    const description =
      f.description ??
      comments.get(name) ??
      (rejection.startsWith('required: ') ? capitalise(rejection.slice('required: '.length)) : '');
    return {
      name,
      required,
      default: missing.success ? missing.data : undefined,
      ...(Array.isArray(options) ? { oneOf: options.map(String) } : {}),
      description,
    };
  });
}

/** The variables a service cannot start without (required, no default). */
export function requiredVariables(service: ServiceId): string[] {
  return configVariables(serviceConfigs[service].schema, [])
    .filter((v) => v.required)
    .map((v) => v.name);
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Leading comments of the object-literal properties of a source file, by property name. */
function commentsOf(file: string): Map<string, string> {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out = new Map<string, string>();
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAssignment(node) && ts.isIdentifier(node.name) && /^[A-Z][A-Z0-9_]*$/.test(node.name.text)) {
      const ranges = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
      const comment = ranges
        .map((r) => text.slice(r.pos, r.end))
        .map((c) =>
          c
            .replace(/^\/\*\*?|\*\/$/g, '')
            .split('\n')
            .map((l) => l.replace(/^\s*(\*|\/\/)?\s?/, '').trim())
            .filter(Boolean)
            .join(' '),
        )
        .join(' ')
        .trim();
      if (comment) out.set(node.name.text, comment);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();

function defaultCell(v: ConfigVariable): string {
  if (v.required) return '**required**';
  if (v.default === undefined) return 'optional';
  if (v.default === '') return 'default: empty';
  return `default: \`${typeof v.default === 'string' ? v.default : JSON.stringify(v.default)}\``;
}

function table(vars: ConfigVariable[]): string {
  const rows = vars.map((v) => {
    const values = v.oneOf ? ` One of: ${v.oneOf.map((o) => `\`${o}\``).join(', ')}.` : '';
    return `| \`${v.name}\` | ${defaultCell(v)} | ${cell(v.description + values)} |`;
  });
  return ['| variable | required / default | description |', '|---|---|---|', ...rows].join('\n');
}

const same = (a: ConfigVariable, b: ConfigVariable) =>
  a.required === b.required &&
  JSON.stringify(a.default) === JSON.stringify(b.default) &&
  a.description === b.description;

/** The whole of docs/configuration.md. */
export function renderConfigurationDoc(): string {
  const shared = configVariables(baseConfig, [platformConfigFile]);
  const sharedByName = new Map(shared.map((v) => [v.name, v]));
  const sections = (Object.keys(serviceConfigs) as ServiceId[]).map((service) => {
    const { schema, file } = serviceConfigs[service];
    const own = configVariables(schema, [platformConfigFile, file]).filter((v) => {
      const base = sharedByName.get(v.name);
      return !base || !same(base, v);
    });
    const body = own.length ? table(own) : 'Nothing of its own: only the variables every service reads.';
    return `## ${service}\n\n\`${file}\`; also reads every variable of the first table.\n\n${body}\n`;
  });
  return [
    '# Configuration',
    '',
    '<!-- Generated by scripts/config-docs.ts from the zod config schemas; do not edit by hand. -->',
    '<!-- Regenerate: node scripts/bootstrap.mjs config-docs (scripts/config-docs.unit.test.ts fails when stale). -->',
    '',
    'Every service reads its configuration from environment variables once, at start, and refuses to start with a',
    'message naming each bad variable (values are never echoed). Numbers are coerced from strings; durations are in',
    'milliseconds. In containers set `HOST=0.0.0.0` (the images do) and a fixed `PORT` (the images use 8080).',
    'Secrets (`DATABASE_URL` with its password, `SECRETS_KEY`, `INTERNAL_API_TOKEN`) come from an env file or a',
    'Kubernetes Secret, never from a committed file: see infra/README.md.',
    '',
    '## Every service',
    '',
    `\`${platformConfigFile}\` (\`baseConfig\`).`,
    '',
    table(shared),
    '',
    ...sections,
  ].join('\n');
}

export const configurationDocPath = join(repoRoot, 'docs', 'configuration.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const doc = renderConfigurationDoc();
  if (process.argv.includes('--stdout')) process.stdout.write(doc);
  else {
    writeFileSync(configurationDocPath, doc);
    process.stderr.write(`[config-docs] wrote ${relative(process.cwd(), configurationDocPath)}\n`);
  }
}
