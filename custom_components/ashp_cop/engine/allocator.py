"""The C allocator tuned for the command lines' large arrays (glibc on Linux; elsewhere nothing changes).

An analysis streams chunks of a million rows: each step makes arrays of 8 MB and frees them. glibc
serves an allocation that large with a fresh mmap (and returns the heap's free top to the kernel past
its trim threshold), so every new array faulted its pages in again: on a year of 10-s samples
(3.15 M rows) ``engine analyze`` spent 1.0-1.7 s of its 4.2-4.8 s in the kernel, 225,000 page faults.
Kept on the heap (arrays up to 32 MB, glibc's upper limit for the threshold) and not trimmed below
1 GB, the same run takes 45,000 faults and 0.3-0.8 s in the kernel, with the same peak memory (the
arrays are reused rather than returned and faulted in again). Only the command lines and the fleet's
workers call this: Home Assistant's process keeps its own allocator settings.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt(3) parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024  # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: the most glibc accepts
TRIM_THRESHOLD_BYTES = 1024 * 1024 * 1024

_tuned = False


def tune_for_large_arrays() -> bool:
    """Keep large arrays on the heap (once per process); False where the C library is not glibc."""
    global _tuned  # noqa: PLW0603
    if _tuned:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl (Alpine) has no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _tuned = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
    return _tuned
