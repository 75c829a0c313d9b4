// Regenerates plugins/nx/tf2aif.schema.json from the zod schema: `npm run schema`.
import { writeFileSync } from 'fs';
import { join } from 'path';
import { jsonSchemaFile, modelConfigJsonSchema } from '../src/config/model-config-json-schema';
import { loadPlatformRegistry } from '../src/platforms/platform-registry';

const file = join(__dirname, '..', jsonSchemaFile);
writeFileSync(file, JSON.stringify(modelConfigJsonSchema(loadPlatformRegistry()), null, 2) + '\n');
console.log(`wrote ${file}`);
