#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora from the golden vectors (Tests/WireTests/Vectors).

corpus/FuzzWire/<name>   each vector's bytes
corpus/FuzzBatch/<name>  each compressed AppendEntries vector in FuzzBatch's input form:
                         declared length as two little-endian bytes, then the deflate stream
corpus/FuzzTransport/    payload vectors behind a mode byte: sealed-* (mode 3, sealed by a
                         genuine peer) and raw-* (mode 0, raw bytes from the network);
                         node-* (mode 4, to a whole node): the handshake vectors and a
                         plain datagram
Run from anywhere: python3 fuzz/seed-corpus.py
"""
import pathlib
import zlib

here = pathlib.Path(__file__).resolve().parent
vectors = here.parent / "Tests" / "WireTests" / "Vectors"


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def write(folder, name, data):
    path = here / "corpus" / folder
    path.mkdir(parents=True, exist_ok=True)
    (path / name).write_bytes(data)


for vector in sorted(vectors.glob("*.hex")):
    data = bytes.fromhex(vector.read_text().strip())
    write("FuzzWire", vector.stem, data)
    # 0xA1: last frame, AppendEntries, compressed.
    if data[0] == 0xA1:
        at = 1
        for _ in range(4):  # term, prev index, prev term delta, commit delta
            _, at = varint(data, at)
        declared, at = varint(data, at)
        if declared < 1 << 16:
            write("FuzzBatch", vector.stem, declared.to_bytes(2, "little") + data[at:])

# A batch of many small entries, compressed, so the fuzzer starts from a long valid stream.
entries = b"".join(b"\x00\x02" + bytes([20]) + bytes([i]) * 20 for i in range(40))
batch = bytes([40]) + entries
compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
write("FuzzBatch", "forty-entries", len(batch).to_bytes(2, "little") + compressor.compress(batch) + compressor.flush())

for vector in sorted(vectors.glob("*.hex")):
    if vector.stem.startswith(("payload", "heartbeat", "ack", "request", "append-one", "fragment", "sequence")):
        data = bytes.fromhex(vector.read_text().strip())
        write("FuzzTransport", "sealed-" + vector.stem, bytes([3]) + data)
        write("FuzzTransport", "raw-" + vector.stem, bytes([0]) + data)

for vector in sorted(vectors.glob("*.hex")):
    if vector.stem.startswith(("handshake", "datagram")):
        data = bytes.fromhex(vector.read_text().strip())
        write("FuzzTransport", "node-" + vector.stem, bytes([4]) + data)
