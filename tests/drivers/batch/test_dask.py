"""formcheck batch on Dask distributed (``--scheduler``): a local cluster of two workers on
loopback grades like the local pool, crashes and time limits are isolated, and
``distributed`` is needed only when ``--scheduler`` is given."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from formcheck.cli import app
from formcheck.drivers.batch.jobs import TEST_HOOK_ENV, BatchSettings
from formcheck.drivers.batch.run import run_batch
from formcheck.errors import UsageError
from formcheck.store.results import ResultStore
from tests.conftest import SAMPLE_VIDEOS
from tests.drivers.batch.test_batch import FAKE_MP4, write

pytest.importorskip("distributed")

#: Two short sample clips: about 15 s of model time.
DASK_CLIPS = ("bridge_side_incomplete_lockout.mp4", "bridge_side_hyperextension_feet.mp4")

runner = CliRunner()


def stored(results: Path) -> dict[str, tuple[str, str | None, Any, tuple[str, ...]]]:
    """Per first file name: status, reason, JSON report and paths (not the wall time)."""
    with ResultStore(results, readonly=True) as store:
        return {Path(clip.paths[0]).name: (clip.result.status.value, clip.result.reason,
                                           clip.result.report, clip.paths)
                for clip in store.clips()}


def test_bad_scheduler_values_are_usage_errors(tmp_path: Path) -> None:
    for value, message in (("local:0", "local:N needs N workers"),
                           ("local:two", "local:N needs N workers"),
                           ("host:8786", "use tcp://HOST:PORT or local:N")):
        with pytest.raises(UsageError, match=message):
            BatchSettings(inbox=tmp_path / "in", results=tmp_path / "out", scheduler=value)
    with pytest.raises(UsageError, match="--workers is for the local pool"):
        BatchSettings(inbox=tmp_path / "in", results=tmp_path / "out", scheduler="local:2",
                      workers=2)


def test_without_distributed_the_scheduler_option_says_how_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "in" / "a.mp4", FAKE_MP4)
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    result = runner.invoke(app, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                                 "--scheduler", "local:2"])
    assert result.exit_code == 2, result.output
    assert "pip install -e '.[dask]'" in result.output
    assert not (tmp_path / "out").exists()


def test_the_local_pool_does_not_import_distributed() -> None:
    import subprocess

    code = ("import sys, formcheck.cli, formcheck.drivers.batch.run; "
            "sys.exit('distributed' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_on_dask_a_crash_and_a_hang_are_isolated(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import dask

    inbox, results = tmp_path / "in", tmp_path / "out"
    write(inbox / "1_crash_me.mp4", FAKE_MP4 + b"1")
    write(inbox / "2_hang_me.mp4", FAKE_MP4 + b"2")
    write(inbox / "3_plain.mp4", FAKE_MP4 + b"3")
    monkeypatch.setenv(TEST_HOOK_ENV, "crash=crash_me;hang=hang_me")
    settings = BatchSettings(inbox=inbox, results=results, timeout_factor=0.0,
                             timeout_base_s=5.0, scheduler="local:2")
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        summary = run_batch(settings)
    assert summary.counts == {"graded": 0, "ungradable": 1, "failed": 2}
    clips = stored(results)
    assert clips["1_crash_me.mp4"][:2] == ("failed", "worker crashed (2 times: Dask gave up)")
    assert clips["2_hang_me.mp4"][:2] == ("failed", "timed out after 5 s")
    assert clips["3_plain.mp4"][0] == "ungradable"


@pytest.mark.model
def test_a_local_dask_cluster_grades_like_the_local_pool(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    for name in DASK_CLIPS:
        write(inbox / name, (SAMPLE_VIDEOS / name).read_bytes())
    data = (SAMPLE_VIDEOS / DASK_CLIPS[0]).read_bytes()
    write(inbox / "broken.mp4", data[: len(data) // 2])
    pool = run_batch(BatchSettings(inbox=inbox, results=tmp_path / "pool", workers=2,
                                   html=True))
    on_dask = run_batch(BatchSettings(inbox=inbox, results=tmp_path / "dask",
                                      scheduler="local:2", html=True))
    assert pool.counts == on_dask.counts == {"graded": 2, "ungradable": 1, "failed": 0}
    expected, got = stored(tmp_path / "pool"), stored(tmp_path / "dask")
    assert got == expected  # the reports hold no wall times: equal to the last field
    for name in DASK_CLIPS:
        status, _, report, _ = got[name]
        assert status == "graded" and report["status"] == "graded"
    assert sorted(p.relative_to(tmp_path / "dask") for p in (tmp_path / "dask").rglob("*.html")
                  ) == sorted(p.relative_to(tmp_path / "pool")
                              for p in (tmp_path / "pool").rglob("*.html"))
