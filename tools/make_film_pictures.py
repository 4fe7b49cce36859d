"""Make the web service's "how to film" pictures from the rendered sample clips.

    python tools/make_film_pictures.py

writes ``formcheck/drivers/serve/static/film_*.jpg``: one frame of a side-on deadlift
(at the bottom of a rep) and one of a side-on bridge (at the top), from
``sample_videos/`` (rendered clips, free to use), 480 pixels wide.
"""

from __future__ import annotations

from pathlib import Path

# isort: off
import cv2
import av
# isort: on

ROOT = Path(__file__).resolve().parents[1]
PICTURES = {  # name: (clip, time s)
    "film_sldl_side.jpg": ("sldl_side_good.mp4", 3.2),
    "film_bridge_side.jpg": ("bridge_side_good.mp4", 3.6),
}


def frame_at(clip: Path, t_s: float):
    with av.open(str(clip)) as container:
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time >= t_s:
                return frame.to_ndarray(format="bgr24")
    raise ValueError(f"{clip} ends before {t_s} s")


def main() -> None:
    out = ROOT / "formcheck" / "drivers" / "serve" / "static"
    for name, (clip, t_s) in PICTURES.items():
        image = frame_at(ROOT / "sample_videos" / clip, t_s)
        height, width = image.shape[:2]
        image = cv2.resize(image, (480, round(height * 480 / width)), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(out / name), image, [cv2.IMWRITE_JPEG_QUALITY, 80])
        print(out / name)


if __name__ == "__main__":
    main()
