import type { ExecutorContext } from '@nx/devkit';
import type { z } from 'zod';
import { parseOrThrow } from '../utils/format-issues';
import { resolveSettings, type SettingsReference } from '../settings/resolve-settings';
import { referenceKey } from './settings-reference';

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
