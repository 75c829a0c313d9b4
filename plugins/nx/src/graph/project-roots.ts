/** Variant projects have no files of their own; their roots are virtual but must be unique. */
export const variantProjectRoot = (modelDir: string, platform: string) => `${modelDir}/variants/${platform}`;
/** Export projects have no files of their own either. */
export const exportProjectRoot = (modelDir: string, key: string) => `${modelDir}/exports/${key}`;
