"""The overlay, drawn on blank frames from states of a session fed a synthetic clip."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pytest

from formcheck.analysis.events import (
    CountStopped,
    Event,
    FrameState,
    Readout,
    RepGraded,
    RepStarted,
    SetupHint,
)
from formcheck.analysis.grading import Borderline
from formcheck.pose.landmarks import Landmark as L
from formcheck.reporters.overlay import (
    GOOD,
    JOINT,
    KEY_JOINT,
    Box,
    Overlay,
    ascii_text,
    readout_label,
    readout_text,
)
from tests.factories import HEIGHT, WIDTH, HingeRep, Script, hinge_series, session_for

KNEE = "stance_knee_flexion_img_deg"


@dataclass(frozen=True)
class Step:
    state: FrameState
    events: list[Event]


@pytest.fixture(scope="module")
def steps() -> list[Step]:
    """Every frame's state and events; rep 2 bends the stance knee 70 degrees (bad)."""
    series = hinge_series(Script([HingeRep(), HingeRep(knee_flexion_deg=70), HingeRep()]))
    session = session_for(series)
    out = []
    for i in range(len(series)):
        events = session.feed(series.sample(i))
        out.append(Step(session.state, events))
    return out


def blank() -> np.ndarray:
    return np.zeros((HEIGHT, WIDTH, 3), np.uint8)


def bad_graded(steps: list[Step]) -> RepGraded:
    bad = [e for s in steps for e in s.events if isinstance(e, RepGraded) and e.graded.faults]
    assert [e.index for e in bad] == [2]
    return bad[0]


def at_bottom(steps: list[Step], rep: int) -> int:
    """The first frame at the bottom of rep ``rep``."""
    return next(i for i, s in enumerate(steps)
                if s.state.rep == rep and s.state.phase == "at the bottom")


def red_pixels(region: np.ndarray) -> int:
    r, g, b = (region[..., c].astype(int) for c in range(3))
    return int(np.count_nonzero((r > 180) & (g < 130) & (b < 130)))


def colour_pixels(region: np.ndarray, colour: tuple[int, int, int], tol: int = 40) -> int:
    return int(np.count_nonzero((np.abs(region.astype(int) - colour) <= tol).all(axis=-1)))


def follow(steps: list[Step], until: int, overlay: Overlay | None = None) -> Overlay:
    """An overlay told every frame up to and including ``until``."""
    overlay = overlay or Overlay()
    for step in steps[:until + 1]:
        overlay.update(step.state, step.events)
    return overlay


def test_draw_returns_a_new_image_and_leaves_the_input_alone(steps: list[Step]) -> None:
    i = next(i for i, s in enumerate(steps) if s.state.phase == "at the bottom")
    overlay = follow(steps, i)
    image = blank()
    image[::7] = 40  # some texture
    before = image.copy()
    out = overlay.draw(image, steps[i].state)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.shares_memory(out, image)
    np.testing.assert_array_equal(image, before)
    assert not np.array_equal(out, image)


def test_draw_refuses_a_grey_image(steps: list[Step]) -> None:
    with pytest.raises(ValueError, match=r"expected an \(H, W, 3\) uint8 image"):
        Overlay().draw(np.zeros((HEIGHT, WIDTH), np.uint8), steps[0].state)


@pytest.mark.parametrize("banner_s", [3.0, 1.5])
def test_banner_shows_after_the_bad_rep_for_banner_s(steps: list[Step], banner_s: float) -> None:
    assert not any(isinstance(e, SetupHint) for s in steps for e in s.events)
    graded = bad_graded(steps)
    overlay = Overlay(banner_s=banner_s)
    strip = slice(HEIGHT - 40, HEIGHT)  # below the feet of the synthetic figure
    shown = []
    for step in steps:
        overlay.update(step.state, step.events)
        out = overlay.draw(blank(), step.state)
        if out[strip].any():
            shown.append(step.state.t_s)
    assert shown, "no banner"
    assert shown[0] == pytest.approx(graded.t_s)
    # Until banner_s has passed, or the next rep starts if sooner: a rep's banner is never
    # shown during the next rep.
    next_start = min((e.t_s for s in steps for e in s.events
                      if isinstance(e, RepStarted) and e.t_s > graded.t_s), default=math.inf)
    end = min(graded.t_s + banner_s, next_start)
    assert shown[-1] == pytest.approx(end, abs=1.5 / 30)
    frames = [s.state.t_s for s in steps if graded.t_s <= s.state.t_s < end]
    assert shown == frames  # one unbroken stretch


def test_banner_says_the_fault_and_its_cue(steps: list[Step]) -> None:
    graded = bad_graded(steps)
    i = next(i for i, s in enumerate(steps) if graded in s.events)
    overlay = follow(steps, i)
    fault = graded.graded.faults[0]
    message, cue = overlay.banner_text(steps[i].state.t_s)
    assert message == f"Rep 2: {fault.message}"
    assert cue.lower() == fault.cue.lower()
    box = overlay.regions(steps[i].state, (HEIGHT, WIDTH))["banner"]
    assert (box.x0, box.x1, box.y1) == (0, WIDTH, HEIGHT)


def test_banner_text_is_made_ascii(steps: list[Step]) -> None:
    graded = bad_graded(steps)
    fault = replace(graded.graded.faults[0], message="your knee bent 70\u00b0 \u2014 too far",
                    cue="keep it soft \u2019caf\u00e9\u2019 \u2264 55")
    event = replace(graded, graded=replace(graded.graded, faults=(fault,)))
    overlay = Overlay()
    overlay.update(steps[0].state, [event])
    lines = overlay.banner_text(event.t_s)
    assert lines == ("Rep 2: your knee bent 70 deg - too far", "Keep it soft 'cafe' <= 55")
    assert all(line.isascii() for line in lines)


def test_a_borderline_rep_shows_its_reading_and_cue_in_the_hint_colour(
        steps: list[Step]) -> None:
    graded = bad_graded(steps)
    fault = graded.graded.faults[0]
    near = Borderline(fault.code, 57.0, 55.0, "deg", 6.0, fault.at_s,
                      "borderline stance knee bend: 57\u00b0 against 55\u00b0, measured to"
                      " within 6\u00b0 from this camera angle", fault.cue)
    event = replace(graded, graded=replace(graded.graded, faults=(), borderline=(near,)))
    overlay = Overlay()
    overlay.update(steps[0].state, [event])
    message, cue = overlay.banner_text(event.t_s)
    assert message == ("Rep 2: borderline stance knee bend: 57 deg against 55 deg, measured"
                       " to within 6 deg from this camera angle")
    assert cue.lower() == ascii_text(fault.cue).lower()
    assert not overlay._fault_showing(event.t_s)  # a setup hint may replace it
    state = replace(steps[0].state, t_s=event.t_s)
    box = overlay.regions(state, (HEIGHT, WIDTH))["banner"]
    as_fault = Overlay()
    as_fault.update(steps[0].state, [graded])
    fault_red = box.crop(as_fault.draw(blank(), state))[..., 0].mean()
    assert box.crop(overlay.draw(blank(), state))[..., 0].mean() < fault_red / 2


def test_setup_hint_shows_in_the_banner_but_not_over_a_fault(steps: list[Step]) -> None:
    overlay = Overlay()
    state = steps[0].state
    overlay.update(state, [SetupHint(0.5, "step back: I can\u2019t see your feet")])
    assert overlay.banner_text(0.5) == ("step back: I can't see your feet",)
    assert overlay.banner_text(3.6) == ()
    graded = bad_graded(steps)
    overlay.update(state, [graded, SetupHint(graded.t_s + 1.0, "film from the side")])
    assert overlay.banner_text(graded.t_s + 1.0)[0].startswith("Rep 2: ")


def test_count_stopped_line_appears_from_the_stop_on(steps: list[Step]) -> None:
    stop = next(i for i, s in enumerate(steps)
                if any(isinstance(e, CountStopped) for e in s.events))
    overlay = Overlay()
    heights = {}
    for i, step in enumerate(steps):
        overlay.update(step.state, step.events)
        if i in (stop - 1, stop, len(steps) - 1):
            out = overlay.draw(blank(), step.state)
            counter = overlay.regions(step.state, out.shape)["counter"]
            heights[i] = counter.y1 - counter.y0
            stopped_line = red_pixels(counter.crop(out))
            assert (stopped_line > 0) == (i >= stop), f"frame {i}"
    assert heights[stop] > heights[stop - 1]
    assert heights[len(steps) - 1] == heights[stop]
    assert overlay.stopped_at == 2


def test_count_stopped_line_without_the_event(steps: list[Step]) -> None:
    """A driver that passes no events still gets the line, from the state."""
    last = steps[-1].state
    assert last.count_stopped
    overlay = Overlay()
    overlay.update(last, [])
    assert overlay.stopped_at == 2


def test_readout_beyond_its_limit_is_red(steps: list[Step]) -> None:
    i = at_bottom(steps, 2)
    state = steps[i].state
    beyond = {r.metric: r.beyond_limit for r in state.readouts}
    assert beyond[KNEE] and not all(beyond.values())
    overlay = follow(steps, i)
    out = overlay.draw(blank(), state)
    boxes = overlay.regions(state, out.shape)
    for metric, past in beyond.items():
        text = boxes[f"readout:{metric}"].crop(out)
        assert (red_pixels(text) > 0) == past, metric
        assert (colour_pixels(text, GOOD) > 0) == (not past), metric


def test_readouts_in_limits_are_not_red(steps: list[Step]) -> None:
    i = at_bottom(steps, 3)
    state = steps[i].state
    assert not any(r.beyond_limit for r in state.readouts)
    overlay = follow(steps, i)
    out = overlay.draw(blank(), state)
    readouts = overlay.regions(state, out.shape)["readouts"].crop(out)
    assert red_pixels(readouts) == 0
    assert colour_pixels(readouts, GOOD) > 0


def test_readouts_are_muted_between_reps(steps: list[Step]) -> None:
    """At rest nothing is being judged: a trunk short of the depth limit is not red."""
    i = next(i for i, s in enumerate(steps)
             if s.state.phase == "rest" and any(r.beyond_limit for r in s.state.readouts)
             and not s.state.count_stopped)
    overlay = follow(steps, i)
    out = overlay.draw(blank(), steps[i].state)
    assert red_pixels(overlay.regions(steps[i].state, out.shape)["readouts"].crop(out)) == 0


def test_checked_joints_are_highlighted_and_unseen_ones_skipped(steps: list[Step]) -> None:
    i = next(i for i, s in enumerate(steps) if s.state.phase == "at the bottom")
    state = steps[i].state
    overlay = follow(steps, i)
    out = overlay.draw(blank(), state)

    def around(landmark: int) -> np.ndarray:
        x, y = state.landmarks_px[landmark].round().astype(int)
        return out[y - 2:y + 3, x - 2:x + 3]

    assert colour_pixels(around(L.RIGHT_KNEE), KEY_JOINT) > 0  # read by the knee check
    assert colour_pixels(around(L.RIGHT_ELBOW), KEY_JOINT) == 0  # read by no check
    assert colour_pixels(around(L.RIGHT_ELBOW), JOINT) > 0
    unseen = replace(state, visibility=np.where(np.arange(33) == L.RIGHT_KNEE, 0.1, 0.95))
    hidden = overlay.draw(blank(), unseen)
    x, y = state.landmarks_px[L.RIGHT_KNEE].round().astype(int)
    assert not hidden[y - 3:y + 4, x - 3:x + 4].any()


def test_no_person_draws_only_text(steps: list[Step]) -> None:
    state = FrameState(1.0, False, None, None, "no person", 0, 0, 0, False)
    overlay = Overlay()
    out = overlay.draw(blank(), state)
    drawn = np.argwhere(out.any(axis=-1))
    counter = overlay.regions(state, out.shape)["counter"]
    assert drawn[:, 0].max() < counter.y1 and drawn[:, 1].max() < counter.x1


@pytest.mark.parametrize(("width", "height"), [(480, 854), (854, 480), (1080, 1920),
                                               (1920, 1080), (1281, 721)])
def test_everything_scales_with_the_image_and_fits(steps: list[Step], width: int,
                                                   height: int) -> None:
    graded = bad_graded(steps)
    i = next(i for i, s in enumerate(steps) if graded in s.events)
    overlay = follow(steps, i)
    state = steps[i].state
    out = overlay.draw(np.zeros((height, width, 3), np.uint8), state)
    assert out.shape == (height, width, 3)
    boxes = overlay.regions(state, out.shape)
    for name, box in boxes.items():
        assert 0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height, name
    assert boxes["readouts"].x1 < 0.6 * width  # the person stays visible beside them
    assert boxes["banner"].y0 > 0.75 * height
    reference = Overlay().regions(state, (720, 1280))["counter"]
    expected = min(height / 720, width / 700)
    assert (boxes["counter"].y1 - boxes["counter"].y0) == pytest.approx(
        expected * (reference.y1 - reference.y0), rel=0.25)


def test_readout_text() -> None:
    assert readout_label(KNEE) == "stance knee"
    assert readout_label("pelvis_tilt_change_img_deg") == "pelvis tilt"
    assert readout_label("knee_width_ratio") == "knee width"
    assert readout_text(Readout(KNEE, 58.4, "deg", (("above", 55.0),))) == (
        "stance knee", "58 / max 55 deg")
    both = Readout("hip_angle_top_deg", 172.2, "deg", (("above", 190.0), ("below", 165.0)))
    assert readout_text(both) == ("hip angle", "172 / min 165, max 190 deg")
    assert readout_text(Readout("knee_width_ratio", math.nan, "ratio", (("below", 0.8),))) == (
        "knee width", "-- / min 0.80")


def test_ascii_text() -> None:
    assert ascii_text("na\u00efve \u201cquote\u201d 5\u00b0\u2026") == 'naive "quote" 5 deg...'
    assert ascii_text("\U0001f4aa ok\n") == " ok "


def test_box_crop_is_a_view() -> None:
    image = np.zeros((10, 10, 3), np.uint8)
    Box(2, 3, 5, 7).crop(image)[:] = 1
    assert image.sum() == 3 * 4 * 3


def test_a_change_of_exercise_is_shown_in_the_banner(steps: list[Step]) -> None:
    from formcheck.analysis.events import ExerciseChanged

    overlay = Overlay(banner_s=3.0)
    change = ExerciseChanged(5.0, "sldl", "bridge", 4.2)
    overlay.update(steps[0].state, [change])
    text = " ".join(overlay.banner_text(5.5))
    assert "from 4.2 s this looks like a glute bridge" in text
    assert "only the single-leg deadlift before it is graded" in text
    assert overlay.banner_text(8.5) == ()
