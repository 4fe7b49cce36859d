"""Write specs of glute bridges filmed from the feet end (issue 13), in two groups.

- ``specs/feet/``: a tuning group (seed 20261201): the feet-end analysis may be tuned on it.
- ``specs/feet_holdout/``: a fresh held-out group (seed 20261202), scored once to report.

Double and single-leg bridges, good and with each fault (knees caving and pelvic drop,
which the feet end shows; feet placement and rushed reps), with the camera moved around
the feet end (azimuth, elevation, distance) and bodies, clothing and scenes drawn as in
``make_specs.py``.

    python benchmarks/make_feet_specs.py
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_specs import PATTERNS, SPEC_DIR, _cam, _spec, write_specs

TUNE_DIR = SPEC_DIR / "feet"
HOLDOUT_DIR = SPEC_DIR / "feet_holdout"

B = "bridge"
KC, PD, FP, RU = (f"{B}.knees_caving", f"{B}.pelvic_drop", f"{B}.feet_placement",
                  f"{B}.rushed")

# name -> (camera, pattern of faults, variant, too_close)
TUNE: dict[str, tuple[dict[str, Any], list[str | None], str, bool]] = {
    "bridge_good_feet_t1": (_cam("feet"), [None, None, None], "double", False),
    "bridge_good_feet_t2": (_cam("feet", "right", elevation_deg=12.0, distance_m=3.0),
                            [None, None, None, None], "double", False),
    "bridge_knees_caving_feet_t1": (_cam("feet", elevation_deg=30.0), PATTERNS[0](KC),
                                    "double", False),
    "bridge_knees_caving_feet_t2": (_cam("feet", azimuth_deg=12.0), PATTERNS[2](KC),
                                    "double", False),
    "bridge_single_leg_good_feet_t1": (_cam("feet"), [None, None, None], "single_leg", False),
    "bridge_pelvic_drop_feet_t1": (_cam("feet", "right", elevation_deg=16.0),
                                   PATTERNS[1](PD), "single_leg", False),
    "bridge_feet_placement_feet_t1": (_cam("feet", distance_m=2.6), PATTERNS[0](FP),
                                      "double", False),
    "bridge_rushed_feet_t1": (_cam("feet", "right", azimuth_deg=-10.0, elevation_deg=26.0),
                              PATTERNS[1](RU), "double", False),
}
HOLDOUT: dict[str, tuple[dict[str, Any], list[str | None], str, bool]] = {
    "bridge_good_feet_h1": (_cam("feet", "right", azimuth_deg=-8.0, elevation_deg=18.0),
                            [None, None, None], "double", False),
    "bridge_knees_caving_feet_h1": (_cam("feet", distance_m=3.2), PATTERNS[0](KC),
                                    "double", False),
    "bridge_knees_caving_feet_h2": (_cam("feet", "right", elevation_deg=32.0),
                                    PATTERNS[2](KC), "double", False),
    "bridge_pelvic_drop_feet_h1": (_cam("feet", azimuth_deg=8.0), PATTERNS[1](PD),
                                   "single_leg", False),
    "bridge_rushed_feet_h1": (_cam("feet", elevation_deg=14.0), [None, RU, None],
                              "double", False),
    "bridge_feet_placement_feet_h1": (_cam("feet", "right"), PATTERNS[2](FP), "double", True),
}


def build(table: dict[str, tuple[dict[str, Any], list[str | None], str, bool]],
          seed: int) -> dict[str, dict[str, Any]]:
    """name -> spec, drawing bodies, clothes, scenes and magnitudes from ``seed``."""
    rng = random.Random(seed)
    return {name: _spec(rng, B, camera, pattern, variant=variant, too_close=too_close)
            for name, (camera, pattern, variant, too_close) in table.items()}


def main() -> None:
    write_specs(TUNE_DIR, build(TUNE, 20261201))
    write_specs(HOLDOUT_DIR, build(HOLDOUT, 20261202))


if __name__ == "__main__":
    main()
