import { describe, expect, it } from 'vitest';
import { parseYaml, parseYamlDocuments } from './yaml-subset.ts';

describe('yaml-subset', () => {
  it('reads block mappings, sequences (also indentless), scalars and comments', () => {
    const doc = parseYaml(
      [
        '# a comment',
        'name: reportline  # trailing comment',
        'services:',
        '  kafka:',
        '    ports:',
        '      - "127.0.0.1:9092:9092"',
        '    test: ["CMD-SHELL", "a >/dev/null 2>&1", plain]',
        '    retries: 24',
        '    ratio: 0.5',
        '    empty:',
        "    quoted: 'it''s # not a comment'",
        'containers:',
        '- name: app',
        '  env:',
        '  - name: A',
        '    value: "x"',
        '  - {}',
        '- - nested',
        'flags: [true, false, null]',
        'url: http://a:1/b',
      ].join('\n'),
    );
    expect(doc).toEqual({
      name: 'reportline',
      services: {
        kafka: {
          ports: ['127.0.0.1:9092:9092'],
          test: ['CMD-SHELL', 'a >/dev/null 2>&1', 'plain'],
          retries: 24,
          ratio: 0.5,
          empty: null,
          quoted: "it's # not a comment",
        },
      },
      containers: [{ name: 'app', env: [{ name: 'A', value: 'x' }, {}] }, ['nested']],
      flags: [true, false, null],
      url: 'http://a:1/b',
    });
  });

  it('reads literal and folded block scalars with their chomping', () => {
    expect(parseYaml('a: |\n  one\n  # kept\n\n  two\nb: >-\n  x\n  y\n\n  z\nc: |-\n  last\n')).toEqual({
      a: 'one\n# kept\n\ntwo\n',
      b: 'x y\nz',
      c: 'last',
    });
  });

  it('joins a plain scalar folded over more-indented lines, as kubectl prints long ones', () => {
    expect(parseYaml('command:\n- /bin/sh\n- a --b c\n  >/dev/null 2>&1\nnext: 1\n')).toEqual({
      command: ['/bin/sh', 'a --b c >/dev/null 2>&1'],
      next: 1,
    });
  });

  it('splits documents on ---', () => {
    expect(parseYamlDocuments('a: 1\n---\n# only a comment\n---\nb: 2\n')).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it.each([
    ['anchors', 'a: &x 1\n'],
    ['aliases', 'a: *x\n'],
    ['merge keys through aliases', 'a:\n  <<: *x\n'],
    ['tags', 'a: !!str 1\n'],
    ['ambiguous booleans', 'a: yes\n'],
    ['octal-looking numbers', 'a: 0755\n'],
    ['duplicate keys', 'a: 1\na: 2\n'],
    ['tabs', 'a:\n\tb: 1\n'],
    ['multi-line flow sequences', 'a: [1,\n  2]\n'],
    ['nested flow collections', 'a: [[1]]\n'],
    ['bad indentation', 'a: 1\n  b: 2\n'],
    ['multi-line quoted strings', 'a: "one\n  two"\n'],
  ])('refuses %s instead of guessing', (_what, source) => {
    expect(() => parseYaml(source, 'x.yaml')).toThrow(/x\.yaml:\d+: /);
  });
});
