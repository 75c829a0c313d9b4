"""What a user sees when a step fails: one line, never a Python traceback; the traceback goes to a log file."""

import json

from tf2aif_toolchain import __main__ as cli


def test_an_unexpected_failure_is_one_line_and_its_traceback_goes_to_the_log(tmp_path, monkeypatch, capsys):
    def broken(job):
        raise ValueError("Input 0 of node StatefulPartitionedCall/x was passed int64 incompatible with expected resource.\nmore")

    monkeypatch.setitem(cli.STEPS, "convert", broken)
    monkeypatch.setattr(cli, "load_job", lambda step, job, out: None)
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"workspaceRoot": str(tmp_path), "variant": "m-cpu"}))
    errors = tmp_path / "error.json"
    code = cli.main(["convert", "--job", str(job), "--out", str(tmp_path / "out"), "--error-file", str(errors)])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    log = tmp_path / ".tf2aif/logs/convert-m-cpu.traceback.txt"
    assert f"the traceback is in {log}" in err and "Traceback (most recent call last)" in log.read_text()
    assert json.loads(errors.read_text())["kind"] == "crash"
