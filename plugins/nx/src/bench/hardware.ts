import type { RunsOn } from '../platforms/platform-descriptor';

/** Whether this machine has what a platform's variants run on; bench measures only there, and says so elsewhere. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { probeHardware } = require('../../bin/hardware-probe.js') as { probeHardware: () => Hardware };

export type Hardware = Record<string, string | boolean>;

const needs: Record<RunsOn, string> = {
  x86_64: 'an x86-64 CPU',
  aarch64: 'an arm64 CPU (under emulation its timings would mean nothing)',
  'nvidia-gpu': 'an NVIDIA GPU (nvidia-smi finds none)',
  jetson: 'an NVIDIA Jetson board',
  'amd-dpu': 'an AMD/Xilinx FPGA with a Vitis AI DPU',
};

/** The accelerators the probe found on this machine (by their runsOn names). */
export function acceleratorsFound(hw: Hardware): RunsOn[] {
  return (['nvidia-gpu', 'jetson', 'amd-dpu'] as const).filter((k) => hw[k] === true);
}

/** null when the variant can be measured here, else why not. */
export function cannotRunHere(runsOn: RunsOn, hw: Hardware = probeHardware()): string | null {
  const ok = runsOn === 'x86_64' || runsOn === 'aarch64' ? hw.cpu === runsOn : hw[runsOn] === true;
  return ok ? null : `needs ${needs[runsOn]}; this machine is ${hw.cpu} with ${acceleratorsFound(hw).join(', ') || 'no accelerator'}`;
}
