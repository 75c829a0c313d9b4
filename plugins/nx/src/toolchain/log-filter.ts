/**
 * Start-up lines native libraries print on every process (absl before init, CUDA probing on a machine
 * without a GPU, XNNPACK). They bury the step's own progress; TF2AIF_DEBUG=1 shows them again.
 */
const noise = [
  /^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR$/,
  /^[IW]\d{4} [\d:.]+\s+\d+ cudart_stub\.cc/,
  /^E\d{4} [\d:.]+\s+\d+ cuda_(platform|executor)\.cc.*cuInit/,
  /^INFO: Created TensorFlow Lite XNNPACK delegate for CPU\.$/,
  /^INFO: $/,
];

export function isNoise(line: string): boolean {
  return !process.env.TF2AIF_DEBUG && noise.some((re) => re.test(line));
}
