import { createNodesV2 } from './graph/create-nodes';

export { createNodesV2 };
/** Nx 22 reads `createNodes` with the V2 signature; both names point at the same function. */
export const createNodes = createNodesV2;
export type { Tf2aifPluginOptions } from './graph/create-nodes';
