import type { ExecutorContext } from '@nx/devkit';
import { join } from 'path';
import type { z } from 'zod';
import { loadModelConfig } from '../config/load-model-config';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import { readPluginOptions } from '../plugin/plugin-options';
import { parseOrThrow } from '../utils/format-issues';
import { buildModelSettings, calibrateSettings, exportSettings, referenceSettings, variantSettings } from './step-settings';

/** The option under which a target carries its SettingsReference (graph/settings-reference.ts writes it). */
export const referenceKey = 'tf2aif';

/** Which settings a target runs with: the graph holds this instead of the settings themselves. */
export interface SettingsReference {
  /** workspace-relative tf2aif.json */
  config: string;
  /** the key in `platforms` (absent for the model's own build-model) */
  variant?: string;
  /** the step (build-model, convert, ...), whatever its target is named in this workspace */
  target: string;
  /** which of the model's shared steps: an export (its key) or a calibration (its quantizer); shared-exports.ts */
  shared?: string;
  /** a fallback runtime's export: the exports whose refusal makes it convert. Carried here (not only resolved from
   * tf2aif.json) because the task's hash must change with it: a cached "not needed" must not serve a variant that
   * now starts from the export */
  onlyIfRefused?: string[];
}

/** A target's settings from its reference: tf2aif.json and the plugin options read and resolved now, by step-settings.ts. */
export function resolveSettings(ref: SettingsReference, workspaceRoot: string): Record<string, unknown> {
  const options = readPluginOptions(workspaceRoot);
  const model = loadModelConfig(workspaceRoot, ref.config, loadPlatformRegistry(join(workspaceRoot, options.platformsDir)));
  if (ref.shared !== undefined) return ref.target === 'calibrate' ? calibrateSettings(model, ref.shared) : exportSettings(model, ref.shared);
  if (ref.variant === undefined) return ref.target === 'reference' ? referenceSettings(model) : buildModelSettings(model);
  const v = model.variants.find((x) => x.key === ref.variant);
  if (!v) throw new Error(`${ref.config} no longer lists platforms.${ref.variant}; the project graph is stale (nx reset)`);
  const settings = variantSettings(model, v, options)[ref.target];
  if (!settings) throw new Error(`${ref.config}: variant ${ref.variant} has no target ${ref.target}`);
  return settings;
}

/** A target's full options: its settings resolved from the reference, then the command-line overrides on top. */
export function resolveTargetOptions(raw: Record<string, unknown>, workspaceRoot: string): Record<string, unknown> {
  const { [referenceKey]: ref, ...overrides } = raw as { [referenceKey]?: SettingsReference } & Record<string, unknown>;
  if (!ref) return raw;
  return { ...resolveSettings(ref, workspaceRoot), ...overrides };
}

/** An executor's options: resolved from the settings reference, then checked with its schema (errors name the target). */
export function parseTargetOptions<S extends z.ZodType>(schema: S, raw: unknown, context: ExecutorContext): z.infer<S> {
  const resolved = resolveTargetOptions(raw as Record<string, unknown>, context.root);
  return parseOrThrow(schema, resolved, `options of ${context.projectName}:${context.targetName}`);
}
