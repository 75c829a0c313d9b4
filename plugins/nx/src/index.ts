import { createDependencies, createNodesV2 } from './graph/create-nodes';

export { createDependencies, createNodesV2 };
/** Nx 22 reads `createNodesV2`, Nx 23 and 24 `createNodes`: both names point at the same (V2-signature) function. */
export const createNodes = createNodesV2;
export type { Tf2aifPluginOptions } from './graph/create-nodes';
