import { describe, expect, it } from 'vitest';
import { findPython, run, ToolchainMissingError } from './uv';

describe('installing the toolchain says in one line what went wrong', () => {
  it('names the failing step and its error, and hints at the package index when it cannot be reached', () => {
    const failing =
      `echo 'Resolving...'; echo 'error: Failed to fetch: https://pypi.org/simple/tensorflow/' >&2; ` +
      `echo '  Caused by: dns error: failed to lookup address' >&2; exit 2`;
    let message = '';
    try {
      run('sh', ['-c', failing], 'installing the toolchain into .tf2aif/venv');
    } catch (e) {
      expect(e).toBeInstanceOf(ToolchainMissingError);
      message = (e as Error).message;
    }
    expect(message).toMatch(
      /^installing the toolchain into \.tf2aif\/venv failed: .*failed to lookup address.* \(is the Python package index reachable\? set UV_INDEX_URL/,
    );
    expect(message).not.toContain('\n');
  });

  it('refuses a TF2AIF_PYTHON that is not there, naming it', () => {
    const saved = process.env.TF2AIF_PYTHON;
    process.env.TF2AIF_PYTHON = '/nonexistent/python3.11';
    try {
      expect(() => findPython()).toThrow(/^TF2AIF_PYTHON=\/nonexistent\/python3\.11 is not an executable file: point it at Python 3\.11/);
    } finally {
      if (saved === undefined) delete process.env.TF2AIF_PYTHON;
      else process.env.TF2AIF_PYTHON = saved;
    }
  });
});
