// infra/k8s, checked without a cluster: every YAML file is read (scripts/yaml-subset.ts) and the resources are checked
// for what a deploy needs: probes, resources, non-root pods, labels that the Services, PDBs and HPAs really select,
// environments each service's zod config accepts, Secrets only referenced, HPAs within the topics' partitions, and
// kustomizations that list every file. Where kubectl is installed, the rendered base and local overlay
// (`kubectl kustomize`, no cluster needed) pass the same checks.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allTopics } from '../contracts/src/topics.ts';
import { type baseConfig, loadConfig } from '../infra/packages/platform/src/config.ts';
import { repoRoot, type ServiceId, serviceConfigs } from './config-docs.ts';
import { parseYaml, parseYamlDocuments, type YamlValue } from './yaml-subset.ts';

type Obj = Record<string, YamlValue>;
const obj = (v: YamlValue | undefined): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});
const arr = (v: YamlValue | undefined): YamlValue[] => (Array.isArray(v) ? v : []);
const str = (v: YamlValue | undefined) => (v === undefined || v === null ? '' : String(v));

interface Resource {
  file: string;
  kind: string;
  name: string;
  body: Obj;
}

const k8sRoot = join(repoRoot, 'infra', 'k8s');
const services = Object.keys(serviceConfigs) as ServiceId[];
/** Stand-ins for the Secret's keys, in the shape the schemas require. */
const secretStandIns: Record<string, string> = {
  DATABASE_URL: 'postgres://reportline:password@postgres:5432/reportline',
  SECRETS_KEY: Buffer.alloc(32).toString('base64'),
  INTERNAL_API_TOKEN: 'x'.repeat(32),
  POSTGRES_PASSWORD: 'password',
};

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(entry) ? [path] : [];
  });
}

const files = yamlFiles(k8sRoot);
const kustomizations = files.filter((f) => /kustomization\.ya?ml$/.test(f));
/** Files a kustomization applies as patches: partial resources, not checked as whole ones. */
const patchFiles = new Set(
  kustomizations.flatMap((k) =>
    arr(obj(parseYaml(readFileSync(k, 'utf8'), k)).patches).map((p) => join(k, '..', str(obj(p).path))),
  ),
);

const toResources = (docs: YamlValue[], file: string): Resource[] =>
  docs.map((d) => {
    const body = obj(d);
    return { file, kind: str(body.kind), name: str(obj(body.metadata).name), body };
  });

/** Every whole resource of the YAML files (base and overlays' own), as written. */
const written = files
  .filter((f) => !kustomizations.includes(f) && !patchFiles.has(f))
  .flatMap((f) => toResources(parseYamlDocuments(readFileSync(f, 'utf8'), f), relative(repoRoot, f)));

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
function rendered(dir: string): Resource[] {
  const r = spawnSync('kubectl', ['kustomize', join(k8sRoot, dir)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return toResources(parseYamlDocuments(r.stdout, `kubectl kustomize ${dir}`), `kubectl kustomize ${dir}`);
}

const podSpec = (r: Resource) => obj(obj(obj(r.body.spec).template).spec);
const podLabels = (r: Resource) => obj(obj(obj(obj(r.body.spec).template).metadata).labels);
const selects = (selector: Obj, labels: Obj) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The checks every set of resources must pass: as written, and as kustomize renders base and overlay. */
function checkResources(resources: Resource[], opts: { appsOnly?: boolean } = {}) {
  const of = (kind: string) => resources.filter((r) => r.kind === kind);
  const deployments = of('Deployment');
  const workloads = [...deployments, ...of('Job')];

  for (const r of resources) {
    const where = `${r.kind}/${r.name} (${r.file})`;
    expect(r.kind, where).toMatch(/^[A-Z]/);
    expect(r.name, where).not.toBe('');
    expect(r.kind, `${where}: Secrets are referenced, never committed`).not.toBe('Secret');
    const labels = obj(obj(r.body.metadata).labels);
    expect(labels['app.kubernetes.io/part-of'], `${where} part-of`).toBe('reportline');
    expect(labels['app.kubernetes.io/name'], `${where} name`).toBeTruthy();
  }

  for (const w of workloads) {
    const where = `${w.kind}/${w.name} (${w.file})`;
    const spec = podSpec(w);
    const pod = obj(spec.securityContext);
    const containers = arr(spec.containers).map(obj);
    expect(containers.length, where).toBeGreaterThan(0);
    for (const c of containers) {
      const sc = { ...pod, ...obj(c.securityContext) };
      expect(sc.runAsNonRoot, `${where} runAsNonRoot`).toBe(true);
      expect(Number(sc.runAsUser), `${where} runAsUser`).toBeGreaterThan(0);
      expect(obj(c.securityContext).allowPrivilegeEscalation, `${where} allowPrivilegeEscalation`).toBe(false);
      expect(str(c.image), `${where} image`).toMatch(/^[a-z0-9./-]+:[A-Za-z0-9._-]+$/);
      const res = obj(c.resources);
      expect(obj(res.requests).cpu, `${where} requests.cpu`).toBeTruthy();
      expect(obj(res.requests).memory, `${where} requests.memory`).toBeTruthy();
      expect(obj(res.limits).memory, `${where} limits.memory`).toBeTruthy();
      for (const e of arr(c.env).map(obj)) {
        const ref = obj(obj(e.valueFrom).secretKeyRef);
        if (Object.keys(ref).length) expect(ref.name, `${where} ${e.name}`).toBe('reportline-secrets');
        else
          expect(Object.keys(secretStandIns), `${where}: ${e.name} is a secret, set it from the Secret`).not.toContain(
            e.name,
          );
      }
      if (w.kind === 'Deployment') {
        expect(Object.keys(obj(c.readinessProbe)), `${where} readinessProbe`).not.toHaveLength(0);
        expect(Object.keys(obj(c.livenessProbe)), `${where} livenessProbe`).not.toHaveLength(0);
      }
      if (w.kind === 'Deployment' && services.includes(w.name as ServiceId)) {
        // A Reportline service: liveness checks no dependency (the services wait outages out); readiness does, and
        // takes the pod out of its Service meanwhile.
        const ports = arr(c.ports).map((p) => str(obj(p).name));
        for (const [probe, path] of [
          ['readinessProbe', '/health/ready'],
          ['livenessProbe', '/health/live'],
        ] as const) {
          const get = obj(obj(c[probe]).httpGet);
          expect(get.path, `${where} ${probe}`).toBe(path);
          expect(ports, `${where} ${probe} port`).toContain(get.port);
        }
      }
    }
  }

  for (const d of deployments) {
    const where = `Deployment/${d.name} (${d.file})`;
    const labels = podLabels(d);
    expect(labels['app.kubernetes.io/name'], where).toBe(d.name);
    expect(labels['app.kubernetes.io/part-of'], where).toBe('reportline');
    expect(selects(obj(obj(obj(d.body.spec).selector).matchLabels), labels), `${where} selector`).toBe(true);
    const service = of('Service').find((s) => s.name === d.name);
    expect(service, `${where} has a Service of its name`).toBeDefined();
    const selector = obj(obj(service!.body.spec).selector);
    expect(selects(selector, labels), `Service/${d.name} selects ${where}`).toBe(true);
    const others = deployments.filter((o) => o !== d && selects(selector, podLabels(o)));
    expect(
      others.map((o) => o.name),
      `Service/${d.name} selects only its own pods`,
    ).toEqual([]);
    // every named port a probe or Service uses exists on the container
    const ports = arr(obj(arr(podSpec(d).containers)[0]).ports).map((p) => str(obj(p).name));
    for (const p of arr(obj(service!.body.spec).ports).map(obj))
      if (typeof p.targetPort === 'string') expect(ports, `Service/${d.name} targetPort`).toContain(p.targetPort);
  }

  for (const pdb of of('PodDisruptionBudget')) {
    const selector = obj(obj(obj(pdb.body.spec).selector).matchLabels);
    expect(
      deployments.filter((d) => selects(selector, podLabels(d))).map((d) => d.name),
      `PodDisruptionBudget/${pdb.name} selects existing pods`,
    ).toEqual([pdb.name]);
  }

  for (const hpa of of('HorizontalPodAutoscaler')) {
    const target = obj(obj(hpa.body.spec).scaleTargetRef);
    expect(target.kind, `HPA/${hpa.name}`).toBe('Deployment');
    const d = deployments.find((x) => x.name === target.name);
    expect(d, `HPA/${hpa.name} targets an existing Deployment`).toBeDefined();
    expect(obj(d!.body.spec).replicas, `Deployment/${d!.name}: its HPA owns replicas`).toBeUndefined();
    const consumed = allTopics.filter((t) => (t.consumers as readonly string[]).includes(str(target.name)));
    expect(consumed.length, `HPA/${hpa.name}: the Deployment consumes topics`).toBeGreaterThan(0);
    const spec = obj(hpa.body.spec);
    expect(Number(spec.minReplicas)).toBeLessThanOrEqual(Number(spec.maxReplicas));
    for (const t of consumed)
      expect(Number(spec.maxReplicas), `HPA/${hpa.name}: ${t.name} has ${t.partitions} partitions`).toBeLessThanOrEqual(
        t.partitions,
      );
  }

  for (const d of deployments) {
    const replicas = obj(d.body.spec).replicas;
    const consumed = allTopics.filter((t) => (t.consumers as readonly string[]).includes(d.name));
    if (typeof replicas === 'number')
      for (const t of consumed) expect(replicas, `Deployment/${d.name} vs ${t.name}`).toBeLessThanOrEqual(t.partitions);
  }

  // each service's whole environment (ConfigMap + Secret references) passes its own config schema
  const configMaps = new Map(of('ConfigMap').map((c) => [c.name, obj(c.body.data)]));
  for (const name of services) {
    const d = deployments.find((x) => x.name === name);
    expect(d, `a Deployment for ${name}`).toBeDefined();
    const c = obj(arr(podSpec(d!).containers)[0]);
    const env: Record<string, string> = {};
    for (const from of arr(c.envFrom).map(obj)) {
      const cm = configMaps.get(str(obj(from.configMapRef).name));
      expect(cm, `${name} envFrom ${str(obj(from.configMapRef).name)}`).toBeDefined();
      for (const [k, v] of Object.entries(cm!)) env[k] = str(v);
    }
    for (const e of arr(c.env).map(obj)) {
      const ref = obj(obj(e.valueFrom).secretKeyRef);
      env[str(e.name)] = Object.keys(ref).length ? (secretStandIns[str(ref.key)] ?? '') : str(e.value);
    }
    const config = loadConfig(serviceConfigs[name].schema as unknown as typeof baseConfig, env);
    expect(config.HOST, name).toBe('0.0.0.0');
    const http = arr(c.ports)
      .map(obj)
      .find((p) => p.name === 'http');
    expect(config.PORT, `${name} listens on its containerPort`).toBe(http?.containerPort);
    // URLs of other services point at a Service of this set, on its port
    if (!opts.appsOnly)
      for (const [key, value] of Object.entries(env)) {
        const m = /^http:\/\/([a-z0-9-]+):(\d+)/.exec(value);
        if (!m) continue;
        const svc = of('Service').find((s) => s.name === m[1]);
        expect(svc, `${name} ${key}: a Service ${m[1]}`).toBeDefined();
        expect(
          arr(obj(svc!.body.spec).ports).map((p) => obj(p).port),
          `${name} ${key}`,
        ).toContain(Number(m[2]));
      }
  }
}

describe('infra/k8s', () => {
  it('has a Deployment per service, so each scales on its own', () => {
    const names = written.filter((r) => r.kind === 'Deployment').map((r) => r.name);
    for (const s of services) expect(names).toContain(s);
  });

  it('passes the resource checks as written (base and the overlays’ own files)', () => {
    const base = written.filter((r) => r.file.startsWith('infra/k8s/base/'));
    checkResources(base, { appsOnly: true });
    checkResources(written);
  });

  it.each(kustomizations.map((k) => relative(repoRoot, k)))('%s lists every file of its folder', (k) => {
    const dir = join(repoRoot, k, '..');
    const kustomization = obj(parseYaml(readFileSync(join(repoRoot, k), 'utf8'), k));
    const listed = [
      ...arr(kustomization.resources).map(str),
      ...arr(kustomization.patches).map((p) => str(obj(p).path)),
    ];
    for (const entry of listed) {
      const path = join(dir, entry);
      const isDir = statSync(path, { throwIfNoEntry: false })?.isDirectory();
      if (isDir) expect(readdirSync(path), `${entry} is a kustomization`).toContain('kustomization.yaml');
      else expect(statSync(path, { throwIfNoEntry: false })?.isFile(), `${entry} exists`).toBe(true);
    }
    const own = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && !/^kustomization\.ya?ml$/.test(f));
    expect(listed.filter((e) => !e.includes('/')).sort()).toEqual(own.sort());
  });

  it('gives the local NAVER simulator the same account as docker compose', () => {
    const cm = written.find((r) => r.kind === 'ConfigMap' && r.name === 'naver-simulator');
    const inCluster = JSON.parse(str(obj(cm?.body.data)['naver-simulator.json']));
    const inCompose = JSON.parse(readFileSync(join(repoRoot, 'infra', 'docker', 'naver-simulator.json'), 'utf8'));
    expect(inCluster).toEqual(inCompose);
  });

  it('uses only images docker compose builds (or pulls) under the same names', () => {
    const compose = obj(obj(parseYaml(readFileSync(join(repoRoot, 'infra', 'docker-compose.yml'), 'utf8'))).services);
    const composeImages = new Set(Object.values(compose).map((s) => str(obj(s).image).split(':')[0]));
    const images = written
      .flatMap((r) => arr(podSpec(r).containers))
      .map((c) => str(obj(c).image).split(':')[0]!)
      .filter(Boolean);
    for (const image of images) if (image.startsWith('reportline/')) expect([...composeImages]).toContain(image);
  });

  describe.skipIf(!kubectl)(
    `rendered by kubectl kustomize${kubectl ? '' : ' (skipped: kubectl is not installed)'}`,
    () => {
      it('base', () => checkResources(rendered('base'), { appsOnly: true }));
      it('overlays/local: everything in the namespace reportline, images tagged dev', () => {
        const resources = rendered('overlays/local');
        checkResources(resources);
        for (const r of resources.filter((x) => x.kind !== 'Namespace'))
          expect(obj(r.body.metadata).namespace, `${r.kind}/${r.name}`).toBe('reportline');
        for (const c of resources.flatMap((r) => arr(podSpec(r).containers).map(obj)))
          if (str(c.image).startsWith('reportline/')) expect(str(c.image)).toMatch(/:dev$/);
      });
    },
  );
});
