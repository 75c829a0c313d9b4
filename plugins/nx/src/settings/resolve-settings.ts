import { loadModelConfig } from '../config/load-model-config';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { targetSettings } from '../toolchain/locations';
import { buildModelSettings, variantSettings } from './step-settings';

/** Which settings a target runs with: the graph holds this instead of the settings themselves. */
export interface SettingsReference {
  /** workspace-relative tf2aif.json */
  config: string;
  /** the key in `platforms` (absent for the model's own build-model) */
  variant?: string;
  target: string;
}

/** The plugin's options as nx.json registers them (`{"plugin": "@tf2aif/nx", "options": {...}}`). */
export interface PluginOptions {
  /** workspace-relative folder of the Python toolchain; defaults to the one next to this plugin */
  toolchainDir?: string;
  /**
   * Base images to build FROM, keyed by platform name or image arch (platform wins), instead of the
   * descriptors' upstream defaults; e.g. {"amd64": "tf2aif/base:bookworm-py311-amd64"} on an air-gapped machine.
   */
  baseImages?: Record<string, string>;
}

/** A target's settings from its reference: tf2aif.json read and resolved now, by step-settings.ts. */
export function resolveSettings(ref: SettingsReference, workspaceRoot: string, plugin: PluginOptions): Record<string, unknown> {
  const loc = targetSettings(workspaceRoot, plugin.toolchainDir, plugin.baseImages);
  const model = loadModelConfig(workspaceRoot, ref.config, loadPlatformRegistry());
  if (ref.variant === undefined) return buildModelSettings(model, loc);
  const v = model.variants.find((x) => x.key === ref.variant);
  if (!v) throw new Error(`${ref.config} no longer lists platforms.${ref.variant}; the project graph is stale (nx reset)`);
  const settings = variantSettings(model, v, loc)[ref.target];
  if (!settings) throw new Error(`${ref.config}: variant ${ref.variant} has no target ${ref.target}`);
  return settings;
}
