"""Sounds for the live mode: a tone on each good rep, another at the stop, spoken cues.

Tones are made with numpy and played with ``sounddevice`` (PortAudio), without
waiting for them to finish. Speech goes through Debian's ``espeak-ng`` (or
``espeak``) when one is installed, started as a separate process that the frame
loop never waits for. A machine without a sound device, without PortAudio or
without a speech engine is not an error: the sounds are skipped and the reason is
logged at debug level::

    sounds = Sounds()
    sounds.good_rep(); sounds.say("three")
    sounds.set_over(); sounds.say("stance knee bend: set over")
    sounds.close()
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from types import TracebackType
from typing import Any, Self

import numpy as np

from formcheck.nativelog import native_stderr_to_debug

logger = logging.getLogger(__name__)

#: Speech engines tried in order (Debian packages ``espeak-ng`` and ``espeak``).
SPEECH_ENGINES = ("espeak-ng", "espeak")
#: Words per minute for spoken cues (espeak's default is 175; a little slower carries
#: better across a room).
SPEECH_WPM = 160
#: The longest a finishing utterance is waited for when the sounds are closed, seconds.
CLOSE_WAIT_S = 3.0

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                 "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
                 "sixteen", "seventeen", "eighteen", "nineteen", "twenty")


def number_word(count: int) -> str:
    """``3`` -> ``three`` (up to twenty; digits beyond, which speech engines read too)."""
    return _NUMBER_WORDS[count] if 0 <= count < len(_NUMBER_WORDS) else str(count)


def tone(frequencies_hz: tuple[float, ...], note_s: float, sample_rate: int, *,
         volume: float = 0.3, fade_s: float = 0.01) -> np.ndarray:
    """Notes played one after another, each faded in and out so that it does not click.

    Args:
        frequencies_hz: The notes' pitches, Hz.
        note_s: Length of each note, seconds.
        sample_rate: Samples per second.
        volume: Peak amplitude, 0-1.
        fade_s: Fade in and out of each note, seconds.

    Returns:
        ``(N,)`` float32 samples in [-volume, volume], N = len(frequencies) * note_s * rate.
    """
    n = max(1, round(note_s * sample_rate))
    t = np.arange(n) / sample_rate
    envelope = np.ones(n)
    ramp = min(n // 2, max(1, round(fade_s * sample_rate)))
    envelope[:ramp] = np.linspace(0.0, 1.0, ramp)
    envelope[n - ramp:] = np.linspace(1.0, 0.0, ramp)
    notes = [volume * envelope * np.sin(2 * np.pi * f * t) for f in frequencies_hz]
    return np.concatenate(notes).astype(np.float32)


def _open_player() -> tuple[Any, int] | None:
    """The ``sounddevice`` module and the default output's sample rate, or None when
    nothing can play (no PortAudio, no device, any PortAudio error)."""
    try:
        with native_stderr_to_debug():
            import sounddevice

            device = sounddevice.query_devices(kind="output")
        rate = int(device["default_samplerate"]) if device else 0
    except Exception as exc:  # OSError without PortAudio; PortAudioError without a device
        logger.debug("no sound: %s", exc)
        return None
    if rate <= 0:
        logger.debug("no sound: the default output device has no sample rate")
        return None
    return sounddevice, rate


class Sounds:
    """Plays the live mode's tones and speaks its cues, never blocking the caller.

    Args:
        enabled: False plays and says nothing (``--quiet``).
        speech: Speak cues when a speech engine is installed.
        speaker: The speech program to run (a path or a name on PATH); None finds
            ``espeak-ng`` or ``espeak``.
        volume: Tone volume, 0-1.
    """

    def __init__(self, enabled: bool = True, *, speech: bool = True,
                 speaker: str | None = None, volume: float = 0.3) -> None:
        self._player = _open_player() if enabled else None
        self._speaker: str | None = None
        if enabled and speech:
            names = (speaker,) if speaker else SPEECH_ENGINES
            self._speaker = next((found for name in names if (found := shutil.which(name))),
                                 None)
            if self._speaker is None:
                logger.debug("no speech: none of %s is installed", ", ".join(names))
        self._speaking: subprocess.Popen[bytes] | None = None
        self._good: np.ndarray | None = None
        self._stop: np.ndarray | None = None
        if self._player is not None:
            rate = self._player[1]
            self._good = tone((880.0, 1320.0), 0.07, rate, volume=volume)  # rising: good
            self._stop = tone((523.0, 392.0, 262.0), 0.16, rate, volume=volume)  # falling

    @property
    def can_play(self) -> bool:
        """A sound device was found."""
        return self._player is not None

    @property
    def can_speak(self) -> bool:
        """A speech engine was found."""
        return self._speaker is not None

    def good_rep(self) -> None:
        """A short rising tone: a good rep was counted."""
        self._play(self._good)

    def set_over(self) -> None:
        """A longer falling tone: the set is over (its first bad rep)."""
        self._play(self._stop)

    def _play(self, samples: np.ndarray | None) -> None:
        if self._player is None or samples is None:
            return
        sounddevice, rate = self._player
        try:
            sounddevice.play(samples, rate)  # returns at once; replaces a tone still playing
        except Exception as exc:  # a device unplugged mid-session is not an error
            logger.debug("tone not played: %s", exc)

    def say(self, text: str) -> None:
        """Speak ``text`` in the background. An utterance still running is cut short:
        the newest cue is the one that matters."""
        text = " ".join(text.split()).lstrip("-")  # one line, never taken for an option
        if self._speaker is None or not text:
            return
        self._stop_speaking()
        try:
            self._speaking = subprocess.Popen(
                [self._speaker, "-s", str(SPEECH_WPM), text],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as exc:
            logger.debug("not spoken (%s): %s", exc, text)

    def _stop_speaking(self) -> None:
        speaking, self._speaking = self._speaking, None
        if speaking is not None and speaking.poll() is None:
            speaking.terminate()
            try:
                speaking.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                speaking.kill()
                speaking.wait()

    def close(self) -> None:
        """Let the last utterance finish (a few seconds at most), then stop."""
        speaking = self._speaking
        if speaking is not None:
            try:
                speaking.wait(timeout=CLOSE_WAIT_S)
            except subprocess.TimeoutExpired:
                self._stop_speaking()
            self._speaking = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
