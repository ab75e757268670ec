#!/usr/bin/env python3
"""Turns a .psys capture into fuzz_psysrec's input form (see fuzz_psysrec.c):
each record as u8 type, u8 how (1 = compress), u16 length, decoded payload.
Usage: fuzz/psysrec.py IN.psys OUT. Used to make fuzz/corpus/psysrec/."""
import struct
import subprocess
import sys

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PSYS\r\n\x1a", "not a .psys file"
out, i = bytearray(), 16
while i + 20 <= len(data):
    assert data[i:i + 4] == b"PSYR", "damaged file at %d" % i
    rtype, flags = data[i + 4], data[i + 5]
    stored, = struct.unpack_from("<I", data, i + 8)
    payload = data[i + 20:i + 20 + stored]
    if len(payload) < stored:
        break  # the unfinished record of a killed writer
    if flags & 1:
        payload = subprocess.run(["zstd", "-dc"], input=payload,
                                 stdout=subprocess.PIPE, check=True).stdout
    assert len(payload) < 65536, "record too large for the u16 length"
    out += struct.pack("<BBH", rtype, flags & 1, len(payload)) + payload
    i += 20 + stored
open(sys.argv[2], "wb").write(out)
