/** Stands in for every target of a model whose tf2aif.json does not validate: says why, and fails. */
export default async function invalidConfigExecutor(options: { message?: string }): Promise<{ success: boolean }> {
  console.error(`✖ ${options.message ?? "this model's tf2aif.json is not valid"}`);
  console.error('Fix the file (the JSON Schema in plugins/nx/tf2aif.schema.json helps editors flag it), then run again.');
  return { success: false };
}
