import { z } from 'zod';
import type { PlatformRegistry } from '../platforms/platform-registry';
import { modelConfigSchema } from './model-config.schema';

/** JSON Schema of tf2aif.json for editors, with the platform names this registry knows. */
export function modelConfigJsonSchema(registry: PlatformRegistry): Record<string, unknown> {
  const schema: z.core.JSONSchema.JSONSchema = z.toJSONSchema(modelConfigSchema, { io: 'input', unrepresentable: 'any' });
  schema.title = 'tf2aif model configuration (models/<model>/tf2aif.json)';
  const platforms = schema.properties?.platforms;
  if (typeof platforms !== 'object') throw new Error('the JSON Schema of tf2aif.json has no platforms property');
  platforms.propertyNames = { enum: [...registry.keys()] };
  return schema;
}

export const jsonSchemaFile = 'tf2aif.schema.json';
