import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from './main.js';
import { captureIo, tempDir, VALID_FLEET } from './testing.js';

interface JsonSchema {
  $schema?: string;
  $id?: string;
  title?: string;
  type?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}

/**
 * A deliberately tiny validator: `required` and `additionalProperties` of objects, recursively.
 * Enough to show the generated schemas carry the manifests' shape; patterns and unions are
 * zod's job and not re-checked here.
 */
function problems(schema: JsonSchema, value: unknown, at = ''): string[] {
  if (schema.type !== 'object' || value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const object = value as Record<string, unknown>;
  const out = (schema.required ?? []).filter((k) => !(k in object)).map((k) => `${at}/${k}: required`);
  for (const [key, child] of Object.entries(object)) {
    const sub = schema.properties?.[key];
    if (sub) out.push(...problems(sub, child, `${at}/${key}`));
    else if (schema.additionalProperties === false) out.push(`${at}/${key}: not allowed`);
    else if (typeof schema.additionalProperties === 'object') out.push(...problems(schema.additionalProperties, child, `${at}/${key}`));
  }
  return out;
}

const FILES = ['billing.schema.json', 'catalog.schema.json', 'fleet.schema.json', 'host.schema.json', 'secrets.schema.json', 'tenant.schema.json'];

let dir: string;

beforeEach(async () => {
  dir = await tempDir('schema');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readSchema = async (file: string) => JSON.parse(await readFile(join(dir, 'schema', file), 'utf8')) as JsonSchema;

describe('buckfleet schema', () => {
  it('writes one JSON Schema per manifest kind into ./schema and prints the files written', async () => {
    const io = captureIo(dir);

    expect(await run(['schema'], io)).toBe(0);

    expect([...io.out()].sort()).toEqual(FILES.map((f) => `schema/${f}`));
    expect((await readdir(join(dir, 'schema'))).sort()).toEqual(FILES);
    for (const file of FILES) {
      const schema = await readSchema(file);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.$id).toBe(file);
      expect(schema.title).toMatch(/^buckfleet /);
      expect(schema.type).toBe('object');
    }
  });

  it('writes into OUTDIR, creating it', async () => {
    const io = captureIo(dir);
    expect(await run(['schema', 'out/json'], io)).toBe(0);
    expect((await readdir(join(dir, 'out/json'))).sort()).toEqual(FILES);
  });

  it('tenant.schema.json accepts a valid tenant.yaml and rejects a missing or unknown field', async () => {
    await run(['schema'], captureIo(dir));
    const schema = await readSchema('tenant.schema.json');
    const valid = parse(VALID_FLEET['tenants/acme/tenant.yaml']!) as Record<string, unknown>;

    expect(problems(schema, valid)).toEqual([]);
    // Fields with a default (chats, a module's channel) are optional, as in the YAML.
    expect(schema.required).toEqual(['slug', 'owner', 'plan', 'placement', 'modules', 'createdAt']);

    const { owner: _owner, ...withoutOwner } = valid;
    expect(problems(schema, { ...withoutOwner, color: 'red' })).toEqual(['/owner: required', '/color: not allowed']);
    expect(problems(schema, { ...valid, owner: { telegramUserId: 1, nick: 'x' } })).toEqual(['/owner/nick: not allowed']);
    expect(problems(schema, { ...valid, modules: { core: { version: '1.0.0', pinned: true } } })).toEqual(['/modules/core/pinned: not allowed']);
  });
});
