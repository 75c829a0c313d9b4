/** Where every target writes; one place so targets, executors and reports agree. */
export const distRoot = 'dist';
export const modelOutputDir = (model: string) => `${distRoot}/models/${model}`;
export const variantOutputDir = (project: string, step: string) => `${distRoot}/variants/${project}/${step}`;
/** Variant projects have no files of their own; their roots are virtual but must be unique. */
export const variantProjectRoot = (modelDir: string, platform: string) => `${modelDir}/variants/${platform}`;
