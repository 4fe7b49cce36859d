#!/usr/bin/env python3
"""Build the MediaPipe Tasks pose model bundle(s) shipped in models/.

Maintainer script. Run it with the system ``python3``; it uses only the
standard library at top level.

What it does:

1. Creates a throw-away virtualenv in a temporary directory (or reuses the one
   given with ``--keep-venv DIR``) and pip-installs ``mediapipe==0.10.21``
   (plus pinned flatbuffers/numpy) into it. That wheel still ships the legacy
   "Solutions" model files; the mediapipe 1.2.x wheel the project depends on
   ships none, and its metadata writer is broken, so this step cannot run in
   the project environment.
2. Inside that venv it takes, unmodified, from the installed wheel:
     mediapipe/modules/pose_detection/pose_detection.tflite      (detector)
     mediapipe/modules/pose_landmark/pose_landmark_<variant>.tflite
   checks them against the wheel's RECORD hashes, and writes TFLite metadata
   into each that declares the float image input's normalisation
   (detector: mean 127.5 / std 127.5 -> [-1, 1];
    landmark model: mean 0 / std 255 -> [0, 1]).
   Nothing is retrained; the writer re-serialises the flatbuffer, and the
   build checks that the graph and every weight buffer are byte-identical.
3. Packs each pair, ZIP_STORED and deterministic (fixed member order, fixed
   timestamps and attributes, 16-byte aligned member data), as
   ``pose_detector.tflite`` + ``pose_landmarks_detector.tflite`` into a
   ``.task`` bundle, and prints its sha256 and size.

The 0.10.21 wheel ships only the "full" landmark model; lite/heavy are built
too if a wheel ever contains them. Nothing is downloaded from anywhere but
PyPI (through pip).

Usage:
    python3 tools/build_pose_model.py
    python3 tools/build_pose_model.py --keep-venv /tmp/mp010   # reuse a venv
    python3 tools/build_pose_model.py --output /tmp/pose_landmarker_full.task
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

MEDIAPIPE_PIN = "0.10.21"
# The metadata writer re-serialises the flatbuffer with these two, so they are
# pinned as well: a rebuild then gives the same bytes (the weights are
# byte-identical either way; the build checks that).
BUILD_PINS = {"mediapipe": MEDIAPIPE_PIN, "flatbuffers": "25.12.19", "numpy": "1.26.4"}
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "models" / "pose_landmarker_full.task"
VARIANTS = ("lite", "full", "heavy")

# Bundle layout expected by the Tasks PoseLandmarker, in this fixed order.
DETECTOR_NAME = "pose_detector.tflite"
LANDMARKER_NAME = "pose_landmarks_detector.tflite"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # earliest date a zip can store
ALIGNMENT = 16  # member data offsets are multiples of this (mmap-friendly)
ALIGN_EXTRA_ID = 0xD935  # the extra-field id Android's zipalign uses for padding

# Runs inside the mediapipe==0.10.21 venv: argv[1] = output dir for the
# tflite files with metadata; prints a JSON manifest on the last stdout line.
INNER_SCRIPT = r'''
import base64, hashlib, importlib.metadata as md, json, os, sys

out_dir = sys.argv[1]
dist = md.distribution("mediapipe")
if dist.version != "@PIN@":
    sys.exit("expected mediapipe @PIN@ in the build venv, found " + dist.version)
record = {str(f): f for f in dist.files or ()}

from mediapipe.tasks.metadata import schema_py_generated as _schema
from mediapipe.tasks.python.metadata import metadata as _md
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer as mw

def read_from_wheel(rel):
    """Return the bytes of a file of the installed wheel, checked against RECORD."""
    f = record.get(rel)
    if f is None:
        return None
    data = f.read_binary()
    if f.hash is not None:
        want = f.hash.value
        got = base64.urlsafe_b64encode(
            hashlib.new(f.hash.mode, data).digest()).rstrip(b"=").decode()
        if got != want:
            sys.exit("hash mismatch against the wheel's RECORD for " + rel)
    return data

def sha(b):
    return hashlib.sha256(b).hexdigest()

def check_same_weights(src, out):
    """The metadata writer re-serialises the flatbuffer: prove that the graph and
    every weight buffer are unchanged and that only TFLITE_METADATA was added."""
    a = _schema.Model.GetRootAsModel(src, 0)
    b = _schema.Model.GetRootAsModel(out, 0)
    names = lambda m: [m.Metadata(i).Name() for i in range(m.MetadataLength())]
    added = {b.Metadata(i).Buffer() for i in range(b.MetadataLength())
             if b.Metadata(i).Name() == b"TFLITE_METADATA"}
    assert len(added) == 1, "no TFLITE_METADATA written"
    assert [n for n in names(b) if n != b"TFLITE_METADATA"] == \
        [n for n in names(a) if n != b"TFLITE_METADATA"]
    assert a.SubgraphsLength() == b.SubgraphsLength() == 1
    ga, gb = a.Subgraphs(0), b.Subgraphs(0)
    assert ga.OperatorsLength() == gb.OperatorsLength()
    assert ga.TensorsLength() == gb.TensorsLength()
    for i in range(ga.TensorsLength()):
        ta, tb = ga.Tensors(i), gb.Tensors(i)
        assert (ta.Name(), ta.Type(), ta.Buffer()) == (tb.Name(), tb.Type(), tb.Buffer())
        assert ta.ShapeAsNumpy().tolist() == tb.ShapeAsNumpy().tolist()
    for i in range(a.BuffersLength()):
        if i in added:
            continue
        assert a.Buffers(i).DataAsNumpy().tobytes() == b.Buffers(i).DataAsNumpy().tobytes() \
            if a.Buffers(i).DataLength() else not b.Buffers(i).DataLength(), "buffer %d" % i

def write_detector(model):
    w = mw.MetadataWriter.create(bytearray(model))
    w.add_general_info(
        "BlazePose detector",
        "Detects the person (BlazePose pose detector, 224x224 RGB input) to "
        "seed the BlazePose GHUM 3D landmark model. Weights unmodified from "
        "mediapipe @PIN@ modules/pose_detection/pose_detection.tflite; only "
        "this metadata was added.")
    w.add_image_input(norm_mean=[127.5], norm_std=[127.5],
                      name="image", description="RGB image, scaled to [-1, 1].")
    w.add_feature_output(name="raw boxes/keypoints",
                         description="Undecoded person boxes and 4 keypoints per anchor.")
    w.add_feature_output(name="scores", description="Score of each anchor.")
    return w.populate()

def write_landmarker(model, variant):
    w = mw.MetadataWriter.create(bytearray(model))
    w.add_general_info(
        "BlazePose GHUM 3D (" + variant + ")",
        "33 body landmarks (+6 auxiliary) from a 256x256 RGB person crop. "
        "Weights unmodified from mediapipe @PIN@ "
        "modules/pose_landmark/pose_landmark_" + variant + ".tflite; only this "
        "metadata was added.")
    w.add_image_input(norm_mean=[0.0], norm_std=[255.0],
                      name="image", description="RGB person crop, scaled to [0, 1].")
    for name, desc in (
        ("landmarks", "39 x (x, y, z, visibility, presence) in crop pixels."),
        ("pose flag", "Probability that a pose is present in the crop."),
        ("segmentation", "Person segmentation logits."),
        ("heatmap", "Landmark heatmaps used for refinement."),
        ("world landmarks", "39 x (x, y, z) in metres, hip-centred."),
    ):
        w.add_feature_output(name=name, description=desc)
    return w.populate()

manifest = {"mediapipe": dist.version, "detector": None, "variants": {}, "missing": []}
det_rel = "mediapipe/modules/pose_detection/pose_detection.tflite"
det = read_from_wheel(det_rel)
if det is None:
    sys.exit("the wheel has no " + det_rel)
det_out, _ = write_detector(det)
check_same_weights(det, det_out)
p = os.path.join(out_dir, "detector.tflite")
with open(p, "wb") as fh:
    fh.write(det_out)
manifest["detector"] = {"source": det_rel, "source_sha256": sha(det),
                        "path": p, "sha256": sha(det_out)}

for variant in @VARIANTS@:
    rel = "mediapipe/modules/pose_landmark/pose_landmark_" + variant + ".tflite"
    model = read_from_wheel(rel)
    if model is None:
        manifest["missing"].append(variant)
        continue
    out, _ = write_landmarker(model, variant)
    check_same_weights(model, out)
    # Round-trip check: the metadata we wrote is readable.
    shown = json.loads(_md.MetadataDisplayer.with_model_buffer(out).get_metadata_json())
    assert shown["subgraph_metadata"][0]["input_tensor_metadata"][0]["process_units"]
    p = os.path.join(out_dir, "landmarks_" + variant + ".tflite")
    with open(p, "wb") as fh:
        fh.write(out)
    manifest["variants"][variant] = {"source": rel, "source_sha256": sha(model),
                                     "path": p, "sha256": sha(out)}

print(json.dumps(manifest))
'''.replace("@PIN@", MEDIAPIPE_PIN).replace("@VARIANTS@", repr(VARIANTS))


def log(msg: str) -> None:
    print(f"[build_pose_model] {msg}", file=sys.stderr, flush=True)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def installed_versions(py: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, sys\n"
            "v = {}\n"
            "for n in sys.argv[1:]:\n"
            "    try: v[n] = m.version(n)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(v))")
    r = subprocess.run([str(py), "-I", "-c", code, *BUILD_PINS],
                       capture_output=True, text=True)
    return json.loads(r.stdout) if r.returncode == 0 else {}


def ensure_venv(venv: Path) -> Path:
    py = venv_python(venv)
    if py.exists() and installed_versions(py) == BUILD_PINS:
        log(f"reusing {venv} (" + ", ".join(f"{k}=={v}" for k, v in BUILD_PINS.items())
            + " already installed)")
        return py
    if not py.exists():
        log(f"creating venv {venv}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    reqs = [f"{k}=={v}" for k, v in BUILD_PINS.items()]
    log(f"pip install {' '.join(reqs)} into {venv}")
    subprocess.run(
        [str(py), "-I", "-m", "pip", "install", "--disable-pip-version-check",
         "--quiet", *reqs],
        check=True)
    got = installed_versions(py)
    if got != BUILD_PINS:
        log(f"venv has {got}, expected {BUILD_PINS}")
        raise SystemExit(1)
    return py


def _align_extra(offset: int, name: bytes) -> bytes:
    """Extra field that puts a member's data at a multiple of ALIGNMENT."""
    data_at = offset + 30 + len(name) + 4  # 30 = local header, 4 = extra header
    pad = (-data_at) % ALIGNMENT
    return struct.pack("<HH", ALIGN_EXTRA_ID, pad) + b"\0" * pad


def pack_task(members: list[tuple[str, bytes]], output: Path) -> None:
    """Write a deterministic ZIP_STORED bundle (same inputs -> same bytes)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 3  # Unix
            info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
            info.extra = _align_extra(zf.fp.tell(), name.encode("ascii"))
            zf.writestr(info, data)
    # Self-check: readable, stored, aligned, contents intact.
    with zipfile.ZipFile(tmp) as zf:
        for (name, data), info in zip(members, zf.infolist(), strict=True):
            assert info.filename == name and info.compress_type == zipfile.ZIP_STORED
            assert zf.read(name) == data
            with open(tmp, "rb") as fh:
                fh.seek(info.header_offset + 26)
                n, m = struct.unpack("<HH", fh.read(4))
            assert (info.header_offset + 30 + n + m) % ALIGNMENT == 0, name
    os.replace(tmp, output)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                    help="path of the full-model .task (default: %(default)s); "
                         "lite/heavy bundles, if the wheel has them, go beside it "
                         "as pose_landmarker_{lite,heavy}.task")
    ap.add_argument("--keep-venv", type=Path, metavar="DIR",
                    help="use (create if needed) the venv at DIR and keep it, "
                         "instead of a temporary one")
    args = ap.parse_args(argv)
    output = args.output.resolve()

    with tempfile.TemporaryDirectory(prefix="build_pose_model_") as tmpdir:
        tmp = Path(tmpdir)
        venv = args.keep_venv.resolve() if args.keep_venv else tmp / "venv"
        py = ensure_venv(venv)

        work = tmp / "work"
        work.mkdir()
        script = tmp / "write_metadata.py"
        script.write_text(INNER_SCRIPT)
        log("writing metadata inside the venv")
        r = subprocess.run([str(py), "-I", str(script), str(work)], cwd=tmp,
                           stdout=subprocess.PIPE, text=True,
                           env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        if r.returncode != 0:
            sys.stderr.write(r.stdout)
            log(f"metadata step failed (exit {r.returncode})")
            return 1
        manifest = json.loads(r.stdout.strip().splitlines()[-1])

        detector = Path(manifest["detector"]["path"]).read_bytes()
        built = []
        for variant, info in manifest["variants"].items():
            dest = output if variant == "full" else \
                output.with_name(f"pose_landmarker_{variant}.task")
            pack_task([(DETECTOR_NAME, detector),
                       (LANDMARKER_NAME, Path(info["path"]).read_bytes())], dest)
            built.append((variant, dest, info))
        if args.keep_venv is None:
            log(f"removing temporary venv {venv}")
    # The TemporaryDirectory (and the venv inside it, if temporary) is gone now.

    det = manifest["detector"]
    print(f"mediapipe wheel: {manifest['mediapipe']}")
    print(f"detector source: {det['source']} sha256 {det['source_sha256']}")
    for variant, _dest, info in built:
        print(f"{variant} landmark source: {info['source']} sha256 {info['source_sha256']}")
    if manifest["missing"]:
        print("not in the wheel (not built): "
              + ", ".join(f"pose_landmark_{v}.tflite" for v in manifest["missing"]))
    if "full" not in manifest["variants"]:
        log("the wheel has no pose_landmark_full.tflite; nothing written to --output")
        return 1
    for _variant, dest, _ in built:
        print(f"{dest}  size {dest.stat().st_size}  sha256 {sha256_file(dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
