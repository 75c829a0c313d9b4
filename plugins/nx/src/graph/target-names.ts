import type { TargetConfiguration, TargetDependencyConfig } from '@nx/devkit';
import type { Step } from '../plugin/plugin-options';

type Dependency = string | TargetDependencyConfig;

/**
 * Target builders name targets by step (`convert`, `^build-model`); a workspace may rename them (plugin options
 * `<step>TargetName`, where a name clashes with its own targets). This renames the targets and every
 * dependsOn entry that points at a step, and nothing else.
 */
export function renameSteps(targets: Record<string, TargetConfiguration>, names: Record<Step, string>): Record<string, TargetConfiguration> {
  const rename = (name: string) => names[name as Step] ?? name;
  const dependency = (d: Dependency): Dependency => {
    if (typeof d !== 'string') return { ...d, target: rename(d.target) };
    return d.startsWith('^') ? `^${rename(d.slice(1))}` : rename(d);
  };
  return Object.fromEntries(
    Object.entries(targets).map(([step, t]) => [rename(step), t.dependsOn ? { ...t, dependsOn: t.dependsOn.map(dependency) } : t]),
  );
}
