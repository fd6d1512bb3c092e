#!/usr/bin/env python3
"""ck_weights.py A.bin B.bin — the largest relative difference between the
network weights of two dgc training checkpoints (runtime/checkpoint.h:
magic, version, flags, payload length, then sections TAG u64-length body;
NETW = u64 count + f32 weights), relative to the largest weight of A."""
import struct
import sys


def weights(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'DGCKPT\r\n', f'{path}: not a dgc checkpoint'
    (length,) = struct.unpack_from('<Q', data, 16)
    pos, end = 24, 24 + length
    while pos < end:
        tag = data[pos:pos + 4]
        (slen,) = struct.unpack_from('<Q', data, pos + 4)
        body = pos + 12
        if tag == b'NETW':
            (n,) = struct.unpack_from('<Q', data, body)
            return struct.unpack_from(f'<{n}f', data, body + 8)
        pos = body + slen
    raise SystemExit(f'{path}: no NETW section')


a, b = weights(sys.argv[1]), weights(sys.argv[2])
assert len(a) == len(b), 'different networks'
scale = max(abs(x) for x in a) or 1.0
print(f'{max(abs(x - y) for x, y in zip(a, b)) / scale:.3e}')
