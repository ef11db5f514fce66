"""The least work any byte-identical `tiles --update` can do: deflate again the tiles whose bytes changed.

A store equal to a full rebuild must hold, for every tile whose pixels changed, the bytes the rebuild's
encoder writes; deflate's Huffman codes depend on the whole image, so those tiles are compressed again
from scratch whatever else an update saves. This script finds them by comparing the stores of BEFORE and
AFTER (directories of .mbtiles), checks that libdeflate at PatrolIQ's level re-creates each one's image
data byte for byte (so it times the product's own encoder, not a stand-in), and times compressing just
those on every core, in as many processes.

usage: update_floor.py BEFORE AFTER  ->  prints "<changed tiles> <seconds>"
"""
import ctypes
import ctypes.util
import glob
import multiprocessing
import os
import sqlite3
import struct
import sys
import time
import zlib

LEVEL = 6  # PNGCodec.encodePalette's default, which every store uses

lib = ctypes.CDLL(ctypes.util.find_library("deflate") or "libdeflate.so.0")
lib.libdeflate_alloc_compressor.restype = ctypes.c_void_p
lib.libdeflate_alloc_compressor.argtypes = [ctypes.c_int]
lib.libdeflate_zlib_compress.restype = ctypes.c_size_t
lib.libdeflate_zlib_compress.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_void_p,
                                         ctypes.c_size_t]


def idat(png):
    at, out = 8, b""
    while at + 12 <= len(png):
        (n,) = struct.unpack(">I", png[at:at + 4])
        if png[at + 4:at + 8] == b"IDAT":
            out += png[at + 8:at + 8 + n]
        at += 12 + n
    return out


def changed(before, after):
    """(raw image data, stored zlib stream) of every tile of AFTER whose bytes differ from BEFORE's."""
    q = "SELECT zoom_level, tile_column, tile_row, tile_data FROM map JOIN images USING (tile_id)"
    out = []
    for path in sorted(glob.glob(os.path.join(after, "*.mbtiles"))):
        old_path = os.path.join(before, os.path.basename(path))
        if not os.path.exists(old_path):
            continue
        old = {(z, x, y): d for z, x, y, d in sqlite3.connect(old_path).execute(q)}
        for z, x, y, d in sqlite3.connect(path).execute(q):
            if old.get((z, x, y)) != d:
                stream = idat(d)
                out.append((zlib.decompress(stream), stream))
    return out


TILES = []


def compress(part):
    """Deflates every `workers`-th tile from `first`; returns how many came out as stored."""
    first, workers = part
    c = lib.libdeflate_alloc_compressor(LEVEL)
    buf = ctypes.create_string_buffer(1 << 20)
    same = 0
    for raw, stored in TILES[first::workers]:
        n = lib.libdeflate_zlib_compress(c, raw, len(raw), buf, len(buf))
        same += ctypes.string_at(buf, n) == stored
    return same


if __name__ == "__main__":
    TILES = changed(sys.argv[1], sys.argv[2])
    workers = os.cpu_count() or 1
    multiprocessing.set_start_method("fork")
    with multiprocessing.Pool(workers) as pool:
        pool.map(abs, range(workers))  # the processes exist before the clock starts
        start = time.perf_counter()
        same = sum(pool.map(compress, [(i, workers) for i in range(workers)]))
        seconds = time.perf_counter() - start
    if same != len(TILES):
        sys.exit(f"update_floor: libdeflate level {LEVEL} re-created {same} of {len(TILES)} changed tiles' data; "
                 "the stores use another encoder")
    print(len(TILES), round(seconds, 3))
