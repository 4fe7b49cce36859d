"""One outcome vocabulary, the same wherever a verdict shows: the JSON report, the terminal,
the HTML report and the batch index, on a corpus of the clips whose zero-rep outcomes used
to depend on luck (cut at 10%, 25% and 50% with the index at the front), a clip ending
mid-rep, a one-rep clip and a clean clip."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from formcheck.drivers.batch.jobs import BatchSettings
from formcheck.drivers.batch.run import run_batch
from tests import corpus
from tests.test_verdicts import run_in_process


def _bridge(name: str, end_s: float) -> corpus.Builder:
    def build(folder: Path) -> Path:
        frames = corpus.sample_frames(corpus.BRIDGE, 0.0, end_s)
        return corpus.write_clip(folder / f"{name}.mp4", frames)
    return build


#: name -> (builder, the outcome and banner it must get; None: decided by the rule below)
CLIPS = {
    "cut_front_10": (corpus.cut_front(0.10), ("not_graded", "red")),
    "cut_front_25": (corpus.cut_front(0.25), ("not_graded", "red")),
    "cut_front_50": (corpus.cut_front(0.50), None),
    # Bridge reps at 0.97-3.97 s and 4.77-7.77 s (peak near 6.3 s): the clip ends on the
    # way down of rep 2, so its length, and its tempo, are not known.
    "ends_mid_rep": (_bridge("ends_mid_rep", 7.2), ("graded_with_warnings", "amber")),
    "one_rep": (_bridge("one_rep", 4.6), ("graded", "green")),
    "clean": (_bridge("clean", 8.6), ("graded", "green")),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    inbox = tmp_path_factory.mktemp("inbox")
    return {name: builder(inbox) for name, (builder, _) in CLIPS.items()}


def _banner(page: str) -> tuple[str, str]:
    found = re.search(r'<div class="verdict (\w+)" id="banner" data-outcome="(\w+)"', page)
    assert found, "no banner on the page"
    return found.group(2), found.group(1)


@pytest.mark.model
def test_every_clip_gets_one_outcome_everywhere(clips: dict[str, Path], tmp_path: Path) -> None:
    seen: dict[str, tuple[str, str]] = {}
    for name, path in clips.items():
        report, page = tmp_path / f"{name}.json", tmp_path / f"{name}.html"
        terminal = run_in_process(["analyse", str(path), "-o", str(report), "--html",
                                   str(page)])
        data = json.loads(report.read_text())
        outcome = (data["outcome"], data["banner"])
        seen[name] = outcome
        expected = CLIPS[name][1]
        if expected is None:  # under half its length: not graded; else graded, cut off
            expected = (("not_graded", "red") if data["status"] == "ungradable"
                        else ("graded_with_warnings", "amber"))
            assert "cut off" in (data.get("reason") or "") or any(
                w["code"] == "truncated" for w in data["warnings"]), data
        assert outcome == expected, (name, data["verdict"], data["doubts"])
        # The terminal says the same, in the same words.
        if data["outcome"] == "not_graded":
            assert terminal.exit_code == 4
            assert f"Not graded: {data['reason']}" in terminal.stdout
            assert "cut off" in data["reason"] and "send the whole clip" in data["reason"]
        else:
            assert terminal.exit_code == 0
            doubts = "; ".join(data["doubts"])
            assert ("Graded with warnings: " + doubts in terminal.stdout) == bool(doubts)
        # The HTML report's banner.
        assert _banner(page.read_text()) == outcome
    # The batch index shows each clip with the same outcome and colour.
    results = tmp_path / "results"
    run_batch(BatchSettings(inbox=next(iter(clips.values())).parent, results=results,
                            workers=1, timeout_base_s=3600.0))
    index = (results / "index.html").read_text()
    for name, (outcome, banner) in seen.items():
        row = next(r for r in index.split("<tr>") if f"{name}.mp4" in r)
        words = outcome.replace("_", " ")
        assert f'<span class="banner {banner}" data-outcome="{words}">' in row, (name, row)
