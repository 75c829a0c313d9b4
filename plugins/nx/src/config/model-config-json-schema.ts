import { z } from 'zod';
import type { PlatformRegistry } from '../platforms/platform-registry';
import { modelConfigSchema } from './model-config.schema';

/** JSON Schema of tf2aif.json for editors, with the platform names this registry knows. */
export function modelConfigJsonSchema(registry: PlatformRegistry): Record<string, unknown> {
  const schema = z.toJSONSchema(modelConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, any>;
  schema.title = 'tf2aif model configuration (models/<model>/tf2aif.json)';
  schema.properties.platforms.propertyNames = { enum: [...registry.keys()] };
  return schema;
}

export const jsonSchemaFile = 'tf2aif.schema.json';
