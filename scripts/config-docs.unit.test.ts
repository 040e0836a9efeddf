import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configurationDocPath, configVariables, renderConfigurationDoc, serviceConfigs } from './config-docs.ts';

describe('docs/configuration.md', () => {
  it('is what scripts/config-docs.ts generates from the config schemas (regenerate: node scripts/bootstrap.mjs config-docs)', () => {
    expect(readFileSync(configurationDocPath, 'utf8')).toBe(renderConfigurationDoc());
  });

  it('names every variable of every service schema', () => {
    const doc = renderConfigurationDoc();
    for (const { schema } of Object.values(serviceConfigs))
      for (const name of Object.keys(schema.shape)) expect(doc).toContain(`| \`${name}\` |`);
  });

  it('tells required variables from defaults and reads the description from the source comment', () => {
    const vars = configVariables(serviceConfigs['naver-fetcher'].schema, [serviceConfigs['naver-fetcher'].file]);
    const byName = Object.fromEntries(vars.map((v) => [v.name, v]));
    expect(byName.NAVER_BASE_URL).toMatchObject({ required: true, default: undefined });
    expect(byName.NAVER_MAX_CONCURRENT_IMPORTS).toMatchObject({ required: false, default: 16 });
    expect(byName.NAVER_MAX_CONCURRENT_IMPORTS?.description).toBe(
      "Imports (each under its own customer id's lease) this process works on at once.",
    );
    expect(byName.LOCK_SERVICE_URL).toMatchObject({ required: false, default: undefined });
  });
});
