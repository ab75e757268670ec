#!/usr/bin/env python3
"""Turns a .psys capture into fuzz_psysrec's input form (see fuzz_psysrec.c):
each record as u8 type, u8 how (1 = compress), u16 length, decoded payload;
a version 2 capture's form starts with the byte 0xff.
Usage: fuzz/psysrec.py IN.psys OUT. Used to make fuzz/corpus/psysrec/."""
import struct
import subprocess
import sys

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PSYS\r\n\x1a", "not a .psys file"
major, = struct.unpack_from("<H", data, 8)
hs = 28 if major >= 2 else 20
out, i = bytearray(b"\xff" if major >= 2 else b""), 16
while i + hs <= len(data):
    assert data[i:i + 4] == b"PSYR", "damaged file at %d" % i
    rtype, flags = data[i + 4], data[i + 5]
    stored, = struct.unpack_from("<I", data, i + 8)
    payload = data[i + hs:i + hs + stored]
    if len(payload) < stored:
        break  # the unfinished record of a killed writer
    if flags & 1:
        payload = subprocess.run(["zstd", "-dc"], input=payload,
                                 stdout=subprocess.PIPE, check=True).stdout
    assert len(payload) < 65536, "record too large for the u16 length"
    out += struct.pack("<BBH", rtype, flags & 1, len(payload)) + payload
    i += hs + stored
open(sys.argv[2], "wb").write(out)
