/** Where every target writes; one place so targets, executors and reports agree. */
export const distRoot = 'dist';
export const modelOutputDir = (model: string) => `${distRoot}/models/${model}`;
export const variantOutputDir = (project: string, step: string) => `${distRoot}/variants/${project}/${step}`;
/** Variant projects have no files of their own; their roots are virtual but must be unique. */
export const variantProjectRoot = (modelDir: string, platform: string) => `${modelDir}/variants/${platform}`;
/** A model's shared steps (exports, the original's reference outputs): one folder each, beside no other output. */
export const sharedOutputDir = (model: string, key: string) => `${distRoot}/shared/${model}/${key}`;
/** Export projects have no files of their own either. */
export const exportProjectRoot = (modelDir: string, key: string) => `${modelDir}/exports/${key}`;
