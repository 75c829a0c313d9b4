/** Where every target writes; one place so targets, executors and reports agree. */
export const distRoot = 'dist';
export const modelOutputDir = (model: string) => `${distRoot}/models/${model}`;
export const variantOutputDir = (project: string, step: string) => `${distRoot}/variants/${project}/${step}`;
/** A model's shared steps (exports, the original's reference outputs): one folder each, beside no other output. */
export const sharedOutputDir = (model: string, key: string) => `${distRoot}/shared/${model}/${key}`;
