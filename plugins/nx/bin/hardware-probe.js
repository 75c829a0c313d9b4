#!/usr/bin/env node
// What this machine can run variants on: its CPU architecture and the accelerators it has.
// Printed as one line, it is an Nx runtime input of `bench`, so a result measured (or skipped) on one
// machine is not reused on a machine with different hardware.
'use strict';
const { cpus } = require('os');
const { execFileSync } = require('child_process');
const { existsSync, readdirSync } = require('fs');

function has(command, args) {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

function probeHardware() {
  const cpu = process.arch === 'x64' ? 'x86_64' : process.arch === 'arm64' ? 'aarch64' : process.arch;
  const jetson = existsSync('/etc/nv_tegra_release');
  const dev = existsSync('/dev') ? readdirSync('/dev') : [];
  return {
    cpu,
    // the CPU's model name: bench figures (and so the bench cache) belong to it
    cpuModel: (cpus()[0] && cpus()[0].model.trim()) || 'unknown',
    'nvidia-gpu': !jetson && has('nvidia-smi', ['-L']),
    jetson,
    'amd-dpu': dev.some((d) => d.startsWith('xclmgmt')) || existsSync('/dev/dpu') || has('xdputil', ['query']),
  };
}

module.exports = { probeHardware };

if (require.main === module) {
  const hw = probeHardware();
  process.stdout.write(
    Object.entries(hw)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ') + '\n',
  );
}
