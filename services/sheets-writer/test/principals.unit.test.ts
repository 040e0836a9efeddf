import { loadConfig } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { sheetsWriterConfig } from '../src/config.ts';
import { configuredPrincipals } from '../src/principal-pool.ts';
import { choosePrincipal, LOCAL_PRINCIPAL, type Principal } from '../src/principals.ts';

const a: Principal = { email: 'a@p1.iam.gserviceaccount.com', project: 'p1' };
const b: Principal = { email: 'b@p1.iam.gserviceaccount.com', project: 'p1' };
const c: Principal = { email: 'c@p2.iam.gserviceaccount.com', project: 'p2' };
const env = { KAFKA_BROKERS: 'localhost:9092', DATABASE_URL: 'postgres://x@localhost/x' };

describe('choosePrincipal', () => {
  it('Given no connection bound yet, Then the first listed principal is chosen', () => {
    expect(choosePrincipal([a, b, c], new Map())).toBe(a);
  });

  it('Given bound connections, Then the least-loaded principal is chosen, ties to the one listed first', () => {
    expect(choosePrincipal([a, b, c], new Map([[a.email, 2]]))).toBe(b);
    expect(
      choosePrincipal(
        [a, b, c],
        new Map([
          [a.email, 2],
          [b.email, 1],
          [c.email, 1],
        ]),
      ),
    ).toBe(b);
  });
});

describe('SHEETS_PRINCIPALS', () => {
  it('Given a JSON array of principals, Then each is validated and kept in order', () => {
    const config = loadConfig(sheetsWriterConfig, {
      ...env,
      SHEETS_PRINCIPALS: JSON.stringify([a, { ...c, keyFile: '/keys/c.json' }]),
    });
    expect(configuredPrincipals(config)).toEqual([a, { ...c, keyFile: '/keys/c.json' }]);
  });

  it('Given no principals, Then the local principal is used (the fake needs only its email)', () => {
    expect(configuredPrincipals(loadConfig(sheetsWriterConfig, env))).toEqual([LOCAL_PRINCIPAL]);
  });

  it('Given malformed or duplicate principals, Then the config is refused naming the variable', () => {
    for (const bad of ['not json', '[]', JSON.stringify([{ email: 'x' }]), JSON.stringify([a, a])]) {
      expect(() => loadConfig(sheetsWriterConfig, { ...env, SHEETS_PRINCIPALS: bad })).toThrow('SHEETS_PRINCIPALS');
    }
  });
});
