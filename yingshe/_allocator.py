"""glibc allocator tuning, applied once at import (../shared/PERFORMANCE-NOTES.md item 1).

NumPy temporaries of a few MB are allocated with mmap and handed back to the OS when freed, so
each training step page-faults them in again (about half the time of a small LeNet step).
Raising glibc's trim and mmap thresholds keeps that memory in the process for reuse.
Set ``YINGSHE_MALLOC_TUNING=0`` to leave the allocator alone.
"""
import ctypes
import os
import sys

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
TRIM_THRESHOLD_BYTES = 1 << 30  # keep up to 1 GiB of freed memory instead of returning it
MMAP_THRESHOLD_BYTES = 32 << 20  # serve blocks below 32 MiB from the heap, not from mmap


def tune_allocator():
    """Return True when glibc accepted the settings; False when off, not glibc, or refused."""
    if os.environ.get("YINGSHE_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl or another libc without mallopt
        return False
    return bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)) and \
        bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


ALLOCATOR_TUNED = tune_allocator()
