// Regenerates the published JSON Schemas from the zod schemas: `npm run schema`.
// plugins/nx/tf2aif.schema.json (tf2aif.json, for editors), plugins/nx/fleet.schema.json (the plan's fleet file)
// and the toolchain's job.schema.json (the step contract).
import { writeFileSync } from 'fs';
import { join } from 'path';
import { jsonSchemaFile, modelConfigJsonSchema } from '../src/config/model-config-json-schema';
import { loadPlatformRegistry } from '../src/platforms/platform-registry';
import { jobJsonSchema } from '../src/settings/job-json-schema';
import { fleetJsonSchema, fleetJsonSchemaFile } from '../src/plan/fleet';

const write = (file: string, schema: unknown) => {
  writeFileSync(file, JSON.stringify(schema, null, 2) + '\n');
  console.log(`wrote ${file}`);
};
write(join(__dirname, '..', jsonSchemaFile), modelConfigJsonSchema(loadPlatformRegistry()));
// where the toolchain reads its job contract (shipped inside the wheel)
write(join(__dirname, '..', '..', '..', 'packages', 'toolchain', 'tf2aif_toolchain', 'job.schema.json'), jobJsonSchema());
write(join(__dirname, '..', fleetJsonSchemaFile), fleetJsonSchema());
