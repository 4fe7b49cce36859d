"""Sources: frames in, one at a time, with their true timestamps.

Video files (:mod:`.file`, PyAV), cameras (:mod:`.camera`, OpenCV), the types every source
hands out (:mod:`.frames`), the reader thread that decodes ahead (:mod:`.prefetch`), the
analysis rate's time grid (:mod:`.sampling`), telling a video by its bytes (:mod:`.sniff`),
and the H.264 writer (:mod:`.writer`). The first stage: imports nothing of formcheck but
the errors and the file helpers.
"""
