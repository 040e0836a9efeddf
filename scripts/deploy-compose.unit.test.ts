// infra/docker-compose.yml and infra/docker/Dockerfile, checked without a Docker engine: every service builds from a
// package that exists and has its entry point, has a health check (or is a one-shot job), waits for what it needs, and
// gets an environment its own zod config schema accepts, with secrets only interpolated, never written in. Where the
// docker compose plugin is installed, `docker compose config --format json` must accept the file too.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type baseConfig, loadConfig } from '../infra/packages/platform/src/config.ts';
import { repoRoot, type ServiceId, serviceConfigs } from './config-docs.ts';
import { parseYaml, type YamlValue } from './yaml-subset.ts';

const composeFile = join(repoRoot, 'infra', 'docker-compose.yml');
const services = Object.keys(serviceConfigs) as ServiceId[];
const simulators = ['naver-simulator', 'sheets-fake'];
const oneShot = ['prepare', 'demo'];
/** Variables whose values are secrets: they may only come from the environment or the env file. */
const secrets = ['SECRETS_KEY', 'INTERNAL_API_TOKEN', 'POSTGRES_PASSWORD'];
/** Stand-ins for secrets left empty, in the shape the schemas require. */
const secretStandIns: Record<string, string> = {
  SECRETS_KEY: Buffer.alloc(32).toString('base64'),
  INTERNAL_API_TOKEN: 'x'.repeat(32),
};

type Obj = Record<string, YamlValue>;
const obj = (v: YamlValue | undefined): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const compose = obj(parseYaml(readFileSync(composeFile, 'utf8'), composeFile));
const composeServices = obj(compose.services);
const service = (name: string) => obj(composeServices[name]);

/** Compose interpolation with no variables set: `${X:-d}` and `${X-d}` give d, `${X}` gives '', `$$` gives `$`. */
const interpolate = (s: string) =>
  s.replace(/\$\$|\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (m, _name, fallback) => (m === '$$' ? '$' : (fallback ?? '')));

function environmentOf(name: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(service(name).environment))) {
    const value = interpolate(String(v ?? ''));
    env[k] = value === '' && secretStandIns[k] ? secretStandIns[k] : value;
  }
  return env;
}

describe('infra/docker-compose.yml', () => {
  it('has Kafka, Postgres, the prepare job, every service, both simulators and the demo', () => {
    expect(Object.keys(composeServices).sort()).toEqual(
      ['kafka', 'postgres', ...oneShot, ...services, ...simulators].sort(),
    );
  });

  it.each([...services, ...simulators, ...oneShot])(
    '%s builds from an existing package with its entry point',
    (name) => {
      const s = service(name);
      const build = obj(s.build);
      const args = obj(build.args);
      expect(s.image, 'image').toMatch(/^reportline\/[a-z-]+:dev$/);
      expect(build.context).toBe('..');
      expect(build.dockerfile).toBe('infra/docker/Dockerfile');
      expect(existsSync(join(repoRoot, String(build.dockerfile)))).toBe(true);
      const appDir = String(args.APP_DIR ?? `services/${args.SERVICE}`);
      expect(existsSync(join(repoRoot, appDir, 'package.json')), `${appDir}/package.json`).toBe(true);
      const entry = String(obj(s.environment).ENTRY ?? args.ENTRY ?? 'src/server.ts');
      expect(existsSync(join(repoRoot, appDir, entry)), `${appDir}/${entry}`).toBe(true);
      if (services.includes(name as ServiceId)) expect(args.SERVICE).toBe(name);
    },
  );

  it.each(Object.keys(composeServices))('%s has a health check, or is a one-shot job without one', (name) => {
    const s = service(name);
    const hc = obj(s.healthcheck);
    if (oneShot.includes(name)) {
      expect(hc.disable).toBe(true);
      expect(s.restart).toBe('no');
    } else {
      expect(Array.isArray(hc.test) && hc.test.length > 1, 'healthcheck.test').toBe(true);
      expect(hc.interval).toBeTruthy();
      expect(hc.retries).toBeGreaterThan(0);
    }
  });

  it.each(services)('%s gets an environment its config schema accepts, listening on 0.0.0.0', (name) => {
    const env = environmentOf(name);
    const config = loadConfig(serviceConfigs[name].schema as unknown as typeof baseConfig, env);
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.PORT).toBe(8080);
  });

  it.each(Object.keys(composeServices))('%s has no secret written in, only interpolated', (name) => {
    const env = obj(service(name).environment);
    for (const key of Object.keys(env).filter((k) => secrets.includes(k)))
      expect(String(env[key]), key).toMatch(/^\$\{[A-Z0-9_]+(:-[^}]*)?\}$/);
    for (const [key, value] of Object.entries(env))
      if (/^postgres(ql)?:\/\//.test(String(value)))
        expect(String(value), `${key} takes its password from POSTGRES_PASSWORD`).toMatch(
          /^postgres:\/\/[^:]+:\$\{POSTGRES_PASSWORD(:-[^}]*)?\}@/,
        );
  });

  it.each(Object.keys(composeServices))(
    '%s waits only for services that exist and can satisfy the condition',
    (name) => {
      for (const [dep, spec] of Object.entries(obj(service(name).depends_on))) {
        expect(Object.keys(composeServices), `${name} depends on ${dep}`).toContain(dep);
        const condition = obj(spec).condition;
        if (oneShot.includes(dep)) expect(condition).toBe('service_completed_successfully');
        else expect(condition, `${name} → ${dep}`).toBe('service_healthy');
      }
      if ([...services, 'demo'].includes(name)) expect(Object.keys(obj(service(name).depends_on))).not.toHaveLength(0);
      if (services.includes(name as ServiceId)) expect(obj(service(name).depends_on).prepare).toBeTruthy();
    },
  );

  it('points every service URL at a service of the file on its container port', () => {
    for (const name of Object.keys(composeServices))
      for (const [key, value] of Object.entries(environmentOf(name))) {
        const m = /^https?:\/\/([a-z0-9-]+):(\d+)/.exec(value);
        if (!m) continue;
        expect(Object.keys(composeServices), `${name} ${key}`).toContain(m[1]);
        expect(m[2], `${name} ${key}`).toBe('8080');
      }
  });

  it('mounts the simulator config the demo reads from the same file', () => {
    const file = String(obj(obj(compose.configs)['naver-simulator']).file);
    expect(existsSync(join(repoRoot, 'infra', file))).toBe(true);
    const target = '/etc/reportline/naver-simulator.json';
    for (const name of ['naver-simulator', 'demo'])
      expect(service(name).configs).toEqual([{ source: 'naver-simulator', target }]);
    expect(environmentOf('demo').NAVER_SIMULATOR_CONFIG).toBe(target);
    expect((service('naver-simulator').command as string[]).join(' ')).toContain(`--config ${target}`);
  });
});

describe('infra/docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(repoRoot, 'infra', 'docker', 'Dockerfile'), 'utf8');
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n');

  it('builds on a slim Node 24 image and runs as a numeric non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-(bookworm-)?slim$/m);
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users).toEqual(['1000:1000']);
  });

  it('installs production dependencies only, from the lockfile, for the one package', () => {
    expect(dockerfile).toMatch(
      /pnpm install --offline --frozen-lockfile --prod .*--filter-prod "\{\$\{APP_DIR\}\}\.\.\."/,
    );
    expect(dockerfile).toContain(
      `ARG PNPM_VERSION=${readFileSync(join(repoRoot, 'package.json'), 'utf8').match(/"pnpm@([^"]+)"/)?.[1]}`,
    );
  });

  it('checks health through the helper it ships and starts node with the entry point', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "\/app\/infra\/docker\/healthcheck\.mjs"\]$/m);
    expect(existsSync(join(repoRoot, 'infra', 'docker', 'healthcheck.mjs'))).toBe(true);
    // Readiness (subscriptions joined, Postgres reachable) is what compose's service_healthy should wait for.
    expect(dockerfile).toMatch(/^ARG HEALTH_PATH=\/health\/ready$/m);
    expect(readFileSync(join(repoRoot, 'infra', 'docker', 'healthcheck.mjs'), 'utf8')).toContain("?? '/health/ready'");
    expect(dockerfile).toMatch(/^ARG ENTRY=src\/server\.ts$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/bin\/sh", "-c", "exec node \\"\$ENTRY\\" \\"\$@\\"", "entry"\]$/m);
    for (const s of services) expect(existsSync(join(repoRoot, 'services', s, 'src', 'server.ts')), s).toBe(true);
  });

  it('keeps secrets, caches and dependencies out of the build context', () => {
    for (const pattern of ['**/.env', '**/*.env', '**/node_modules', '.cache', '.git'])
      expect(ignored).toContain(pattern);
  });
});
