// A strict parser for the YAML that infra/docker-compose.yml and infra/k8s are written in, so the deployment tests need
// no dependency. It reads block mappings and sequences (also the "indentless" `key:\n- item` form kubectl and
// kustomize print), plain scalars (also folded over several lines), single- and double-quoted scalars, one-line flow
// sequences of scalars, `{}` and `[]`, literal and folded block scalars, comments and `---` documents. Anything else
// (anchors, aliases, tags, complex keys, multi-line flow collections or quoted strings, tabs, duplicate keys) throws
// with the line number instead of being guessed at. Plain yes/no/on/off throw too: YAML 1.1 readers (Kubernetes) take
// them as booleans and YAML 1.2 readers (Compose) as strings, so such a value must be quoted.

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  no: number;
  indent: number;
  /** The text after the indent, comment removed, trailing spaces trimmed. */
  text: string;
}

export class YamlSubsetError extends Error {
  override readonly name = 'YamlSubsetError';
}

/** Every document of `source`, in order; empty documents are skipped. */
export function parseYamlDocuments(source: string, file = '<yaml>'): YamlValue[] {
  const docs: string[][] = [[]];
  for (const raw of source.replace(/\r\n/g, '\n').split('\n')) {
    if (/^---(\s.*)?$/.test(raw)) {
      if (raw.slice(3).trim() && !raw.slice(3).trim().startsWith('#'))
        fail(file, 0, 'content after --- is not supported');
      docs.push([]);
    } else if (/^\.\.\.\s*$/.test(raw)) docs.push([]);
    else docs.at(-1)!.push(raw);
  }
  let offset = 0;
  const out: YamlValue[] = [];
  for (const doc of docs) {
    const parser = new Parser(doc, file, offset);
    offset += doc.length + 1;
    const value = parser.document();
    if (value !== undefined) out.push(value);
  }
  return out;
}

/** The single document of `source`. */
export function parseYaml(source: string, file = '<yaml>'): YamlValue {
  const docs = parseYamlDocuments(source, file);
  if (docs.length !== 1) throw new YamlSubsetError(`${file}: expected one YAML document, found ${docs.length}`);
  return docs[0]!;
}

function fail(file: string, no: number, msg: string): never {
  throw new YamlSubsetError(`${file}:${no}: ${msg}`);
}

class Parser {
  #pos = 0;
  readonly #raw: string[];
  readonly file: string;
  readonly offset: number;
  constructor(raw: string[], file: string, offset: number) {
    this.#raw = raw;
    this.file = file;
    this.offset = offset;
  }

  document(): YamlValue | undefined {
    const first = this.#peek();
    if (!first) return undefined;
    if (first.indent !== 0) this.#fail(first, 'a document must start at column 0');
    const value = this.#node(0);
    const rest = this.#peek();
    if (rest) this.#fail(rest, 'unexpected indentation');
    return value;
  }

  #fail(line: Line | undefined, msg: string): never {
    fail(this.file, line ? line.no : this.offset + this.#pos + 1, msg);
  }

  /** The next line with content, without consuming it. */
  #peek(): Line | undefined {
    while (this.#pos < this.#raw.length) {
      const raw = this.#raw[this.#pos]!;
      const no = this.offset + this.#pos + 1;
      const indent = raw.length - raw.trimStart().length;
      if (raw.slice(0, indent).includes('\t')) fail(this.file, no, 'tabs are not allowed in indentation');
      const text = stripComment(raw.slice(indent), this.file, no).trimEnd();
      if (text) return { no, indent, text };
      this.#pos++;
    }
    return undefined;
  }

  #node(indent: number): YamlValue {
    const line = this.#peek()!;
    return isSeqItem(line.text) ? this.#sequence(line.indent) : this.#mapping(indent);
  }

  #sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.#peek(); line && line.indent === indent && isSeqItem(line.text); line = this.#peek()) {
      const rest = line.text === '-' ? '' : line.text.slice(2);
      const restIndent = indent + 2 + (rest.length - rest.trimStart().length);
      const content = rest.trimStart();
      if (!content) {
        this.#pos++;
        const next = this.#peek();
        items.push(next && next.indent > indent ? this.#node(next.indent) : null);
      } else if (isSeqItem(content) || splitKey(content, this.file, line.no)) {
        // `- key: v` (or `- - x`): the item is a collection whose first line starts after the dash
        this.#raw[this.#pos] = ' '.repeat(restIndent) + this.#raw[this.#pos]!.slice(restIndent);
        items.push(this.#node(restIndent));
      } else {
        this.#pos++;
        items.push(this.#inline(content, line, indent));
      }
    }
    return items;
  }

  #mapping(indent: number): Record<string, YamlValue> {
    const map: Record<string, YamlValue> = {};
    for (let line = this.#peek(); line && line.indent === indent && !isSeqItem(line.text); line = this.#peek()) {
      const kv = splitKey(line.text, this.file, line.no);
      if (!kv) this.#fail(line, `expected "key: value", got "${line.text}"`);
      const [key, value] = kv;
      if (Object.hasOwn(map, key)) this.#fail(line, `duplicate key "${key}"`);
      this.#pos++;
      if (value) {
        map[key] = this.#inline(value, line, indent);
        continue;
      }
      const next = this.#peek();
      if (next && next.indent > indent) map[key] = this.#node(next.indent);
      else if (next && next.indent === indent && isSeqItem(next.text)) map[key] = this.#sequence(indent);
      else map[key] = null;
    }
    const line = this.#peek();
    if (line && line.indent > indent) this.#fail(line, 'unexpected indentation');
    return map;
  }

  /** A value on the same line as its key or dash: a scalar, a flow collection or a block scalar header. */
  #inline(text: string, line: Line, parentIndent: number): YamlValue {
    if (/^[|>][-+]?$/.test(text)) return this.#blockScalar(text, parentIndent);
    if (text.startsWith('[') || text.startsWith('{')) return flow(text, this.file, line.no);
    if (text.startsWith('"') || text.startsWith("'")) return scalar(text, this.file, line.no);
    return scalar(this.#plainContinuation(text, parentIndent), this.file, line.no);
  }

  /** A plain scalar may go on over more-indented lines (kubectl folds long ones): they join with single spaces. */
  #plainContinuation(text: string, parentIndent: number): string {
    let out = text;
    while (this.#pos < this.#raw.length) {
      const raw = this.#raw[this.#pos]!;
      const indent = raw.length - raw.trimStart().length;
      if (raw.trim() === '' || indent <= parentIndent) break;
      const no = this.offset + this.#pos + 1;
      const more = stripComment(raw.slice(indent), this.file, no).trim();
      if (/:(\s|$)/.test(more) || isSeqItem(more)) fail(this.file, no, 'unexpected indentation');
      out += ` ${more}`;
      this.#pos++;
    }
    return out;
  }

  #blockScalar(header: string, parentIndent: number): string {
    const lines: string[] = [];
    let contentIndent: number | undefined;
    while (this.#pos < this.#raw.length) {
      const raw = this.#raw[this.#pos]!;
      const indent = raw.length - raw.trimStart().length;
      if (raw.trim() === '') {
        lines.push('');
        this.#pos++;
        continue;
      }
      if (indent <= parentIndent) break;
      contentIndent ??= indent;
      if (indent < contentIndent) this.#fail(undefined, 'block scalar line is indented less than its first line');
      lines.push(raw.slice(contentIndent));
      this.#pos++;
    }
    let end = lines.length;
    while (end > 0 && lines[end - 1] === '') end--;
    const body = lines.slice(0, end);
    const text = header.startsWith('>') ? fold(body) : body.join('\n');
    if (header.endsWith('-')) return text;
    if (header.endsWith('+')) return `${text}\n${lines.slice(end).join('\n')}`;
    return body.length ? `${text}\n` : '';
  }
}

function fold(lines: string[]): string {
  let out = '';
  lines.forEach((l, i) => {
    const prev = lines[i - 1];
    if (l === '') out += '\n';
    else if (prev === undefined || prev === '') out += l;
    else if (l.startsWith(' ') || prev.startsWith(' ')) out += `\n${l}`;
    else out += ` ${l}`;
  });
  return out;
}

const isSeqItem = (text: string) => text === '-' || text.startsWith('- ');

/** Removes a trailing `# comment` that is outside quotes. */
function stripComment(text: string, file: string, no: number): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        if (quote === "'" && text[i + 1] === "'") i++;
        else quote = undefined;
      }
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[{,-]/.test(text[i - 1]!))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i);
  }
  if (quote && !/^[|>]/.test(text)) fail(file, no, 'unterminated quoted string (multi-line scalars are not supported)');
  return text;
}

/** `key: value` → [key, value]; undefined when the line is not a mapping entry. */
function splitKey(text: string, file: string, no: number): [string, string] | undefined {
  if (text.startsWith('? ')) fail(file, no, 'complex keys are not supported');
  let end: number;
  let key: string;
  if (text.startsWith('"') || text.startsWith("'")) {
    end = closingQuote(text, 0);
    if (end < 0) return undefined;
    key = scalar(text.slice(0, end + 1), file, no) as string;
    end++;
    if (text[end] !== ':') return undefined;
  } else {
    const m = /:(\s|$)/.exec(text);
    if (!m || text.startsWith('[') || text.startsWith('{')) return undefined;
    end = m.index;
    key = text.slice(0, end).trimEnd();
    if (/^[&*!]/.test(key)) fail(file, no, 'anchors, aliases and tags are not supported');
  }
  return [key, text.slice(end + 1).trim()];
}

function closingQuote(text: string, start: number): number {
  const q = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

const ambiguous = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/;

function scalar(text: string, file: string, no: number): YamlValue {
  if (text.startsWith('"')) {
    if (closingQuote(text, 0) !== text.length - 1) fail(file, no, `text after a quoted string: ${text}`);
    try {
      return JSON.parse(text.replace(/\\\//g, '/')) as string;
    } catch {
      fail(file, no, `unsupported escape in ${text}`);
    }
  }
  if (text.startsWith("'")) {
    if (closingQuote(text, 0) !== text.length - 1) fail(file, no, `text after a quoted string: ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[&*!]/.test(text)) fail(file, no, 'anchors, aliases and tags are not supported');
  if (/^[@`%]/.test(text)) fail(file, no, `a plain scalar cannot start with ${text[0]}`);
  if (ambiguous.test(text)) fail(file, no, `"${text}" is a boolean in YAML 1.1 and a string in YAML 1.2: quote it`);
  if (text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?0[0-9]+$|^0[xo]/.test(text)) fail(file, no, `"${text}" reads differently in YAML 1.1 and 1.2: quote it`);
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}

function flow(text: string, file: string, no: number): YamlValue {
  if (text === '[]') return [];
  if (text === '{}') return {};
  if (!text.startsWith('[') || !text.endsWith(']'))
    fail(file, no, `only one-line flow sequences are supported: ${text}`);
  const items: YamlValue[] = [];
  const body = text.slice(1, -1);
  let i = 0;
  while (i < body.length) {
    while (body[i] === ' ') i++;
    let end: number;
    if (body[i] === '"' || body[i] === "'") {
      end = closingQuote(body, i) + 1;
      if (end === 0) fail(file, no, `unterminated string in ${text}`);
    } else {
      end = body.indexOf(',', i);
      if (end < 0) end = body.length;
    }
    const item = body.slice(i, end).trim();
    if (item.startsWith('[') || item.startsWith('{'))
      fail(file, no, `nested flow collections are not supported: ${text}`);
    if (item) items.push(scalar(item, file, no));
    i = end;
    while (body[i] === ' ') i++;
    if (i < body.length && body[i] !== ',') fail(file, no, `expected "," in ${text}`);
    i++;
  }
  return items;
}
