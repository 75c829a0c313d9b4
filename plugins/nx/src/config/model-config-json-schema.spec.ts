import { readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { jsonSchemaFile, modelConfigJsonSchema } from './model-config-json-schema';

/** The parts of the published JSON Schema this test reads. */
interface SchemaFields {
  additionalProperties: unknown;
  properties: { platforms: { propertyNames: { enum: string[] } } };
}

describe('published JSON Schema', () => {
  it('is up to date with the zod schema and the platforms (npm run schema regenerates it)', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '..', '..', jsonSchemaFile), 'utf8'));
    expect(published).toEqual(modelConfigJsonSchema(loadPlatformRegistry()));
  });

  it('lets editors flag an unknown platform and a misspelt field', () => {
    const schema = modelConfigJsonSchema(loadPlatformRegistry()) as unknown as SchemaFields;
    expect(schema.properties.platforms.propertyNames.enum).toContain('alveo');
    expect(schema.additionalProperties).toBe(false);
  });
});
