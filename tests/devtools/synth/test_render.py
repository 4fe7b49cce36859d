"""A tiny real render: a playable H.264 mp4 and its label.

Skipped unless the ``[render]`` extra (torch, anny, pyrender) is installed. Uses anny's
own cache (built on its first load; nothing is downloaded).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("anny")
pytest.importorskip("pyrender")
av = pytest.importorskip("av")


def test_tiny_bridge_renders_a_playable_mp4(tmp_path: Path) -> None:
    from formcheck.devtools.synth import contact_sheet, render_clips

    spec = {
        "exercise": "bridge",
        "camera": {"view": "side", "side": "right"},
        "fps": 24,
        "resolution": [640, 480],
        "idle_before_s": 0.0,
        "idle_after_s": 0.0,
        "sets": [{"reps": [{"faults": [{"code": "bridge.rushed", "magnitude": 0.5}]}]}],
    }
    spec_path = tmp_path / "tiny.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    labels_path = render_clips([spec_path], tmp_path / "out")

    video = tmp_path / "out" / "tiny.mp4"
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        frames = list(container.decode(stream))
    assert (frames[0].width, frames[0].height) == (640, 480)

    clips = json.loads(labels_path.read_text())["clips"]
    assert len(clips) == 1
    clip = clips[0]
    assert clip["file"] == "tiny.mp4"
    assert clip["total_reps"] == 1 and clip["good_reps"] == 0 and clip["first_bad_rep"] == 1
    assert len(frames) == clip["frames"]
    rep = clip["reps"][0]
    assert rep["faults"][0]["code"] == "bridge.rushed"
    assert rep["end_s"] - rep["start_s"] == pytest.approx(0.5, abs=1.0 / 24)
    assert 170 <= rep["measured"]["shoulder_hip_knee_deg"] <= 190

    sheet = contact_sheet(video, tmp_path / "sheet.png", count=4)
    assert sheet.stat().st_size > 1000


def test_a_clip_whose_truth_is_ambiguous_is_left_out_and_the_rest_rendered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from formcheck.devtools.synth import clip as clip_module
    from formcheck.devtools.synth.spec import SpecError

    real_render = clip_module.render_clip

    def render(spec, video_path, labels_dir):  # type: ignore[no-untyped-def]
        if video_path.stem == "a":
            raise SpecError("a.mp4: the rendered truth is ambiguous")
        return real_render(spec, video_path, labels_dir)

    monkeypatch.setattr(clip_module, "render_clip", render)
    spec = {"exercise": "bridge", "fps": 24, "resolution": [640, 480], "idle_before_s": 0.0,
            "idle_after_s": 0.0, "sets": [{"reps": [{"faults": []}]}]}
    paths = []
    for name in ("a", "b"):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(SpecError, match=r"1 of 2 clip\(s\) not rendered: a\.mp4"):
        clip_module.render_clips(paths, tmp_path / "out")
    labels = json.loads((tmp_path / "out" / "labels.json").read_text())
    assert [c["file"] for c in labels["clips"]] == ["b.mp4"]
