import type { ResolvedModel } from '../config/load-model-config';
import { DEFAULT_TOLERANCES, type Tolerance } from '../config/model-config.schema';
import type { Precision } from '../platforms/platform-descriptor';

/**
 * What the steps that draw data and compare outputs are told, decided here so the toolchain decides none of it:
 * the seed of each draw and the tolerance a variant's precision is checked against.
 */

/**
 * The seed of each of a model's three draws. They differ so that verify never checks on the samples calibration
 * saw, and mixed precision's accuracy check (`check`) picks its float layers on samples verify does not grade.
 */
export function drawSeeds(model: ResolvedModel) {
  const seed = model.config.verify.seed;
  return { calibration: 0, verification: 1000 + seed, check: 2000 + seed };
}

/** The precision's default tolerance (trained or untrained model), under tf2aif.json's `verify.tolerances`, key by key. */
export function toleranceFor(model: ResolvedModel, precision: Precision): Tolerance {
  const defaults = DEFAULT_TOLERANCES[model.config.trained ? 'trained' : 'untrained'][precision];
  return { ...defaults, ...model.config.verify.tolerances[precision] };
}

/** The settings of every step that draws samples: the seeds and the value range of inputs without one. */
export function drawSettings(model: ResolvedModel) {
  return { seeds: drawSeeds(model), valueRanges: model.config.valueRanges };
}
