import type { ExecutorContext, NxJsonConfiguration } from '@nx/devkit';
import type { z } from 'zod';
import { parseOrThrow } from '../config/format-issues';
import { loadModelConfig } from '../config/load-model-config';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { targetSettings } from '../toolchain/locations';
import { buildModelTarget } from './model-targets';
import { referenceKey, type SettingsReference } from './settings-reference';
import { variantTargets } from './variant-targets';

interface PluginOptions {
  toolchainDir?: string;
  baseImages?: Record<string, string>;
}

/** The plugin's options as nx.json registers them. */
export function pluginOptionsOf(nxJson: NxJsonConfiguration | null | undefined): PluginOptions {
  const entry = (nxJson?.plugins ?? []).find((p) => (typeof p === 'string' ? p : p.plugin) === '@tf2aif/nx');
  return entry && typeof entry !== 'string' ? ((entry.options as PluginOptions) ?? {}) : {};
}

/**
 * The full options of a target whose graph entry holds only a settings reference: tf2aif.json resolved
 * again, with the same functions createNodes uses, then the command-line overrides on top.
 */
export function resolveTargetOptions(raw: Record<string, unknown>, workspaceRoot: string, nxJson: ExecutorContext['nxJsonConfiguration']): Record<string, unknown> {
  const { [referenceKey]: ref, ...overrides } = raw as { [referenceKey]?: SettingsReference } & Record<string, unknown>;
  if (!ref) return raw;
  const plugin = pluginOptionsOf(nxJson);
  const loc = targetSettings(workspaceRoot, plugin.toolchainDir, plugin.baseImages);
  const model = loadModelConfig(workspaceRoot, ref.config, loadPlatformRegistry());
  if (ref.variant === undefined) return { ...buildModelTarget(model, loc).options, ...overrides };
  const v = model.variants.find((x) => x.key === ref.variant);
  if (!v) throw new Error(`${ref.config} no longer lists platforms.${ref.variant}; the project graph is stale (nx reset)`);
  const target = variantTargets(model, v, loc)[ref.target];
  if (!target) throw new Error(`${ref.config}: variant ${ref.variant} has no target ${ref.target}`);
  return { ...target.options, ...overrides };
}

/** An executor's options: resolved from the settings reference, then checked with its schema (errors name the target). */
export function parseTargetOptions<S extends z.ZodType>(schema: S, raw: unknown, context: ExecutorContext): z.infer<S> {
  const resolved = resolveTargetOptions(raw as Record<string, unknown>, context.root, context.nxJsonConfiguration);
  return parseOrThrow(schema, resolved, `options of ${context.projectName}:${context.targetName}`);
}
