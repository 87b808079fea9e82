"""The bytes of TensorBoard's event files: protocol-buffer messages in TFRecord frames (NOTE [ Event files ]).

NOTE [ Event files ]
TensorBoard reads ``events.out.tfevents.*`` files: a sequence of records, each ``length`` (uint64, little endian),
``masked_crc32c(length)`` (uint32), the payload, ``masked_crc32c(payload)`` (uint32), where the payload is a
serialised ``tensorflow.Event`` protocol buffer. tocha writes these bytes itself instead of depending on
``tensorboard`` and ``protobuf``: the few messages a writer emits (``Event``, ``Summary``, ``Summary.Value``,
``Summary.Image``, ``HistogramProto``, ``TensorProto``, ``SummaryMetadata`` and the hparams plugin's messages) are
encoded field by field below, with the field numbers of TensorBoard's ``.proto`` files. The tests read the files
back with TensorBoard's own loader. CRC-32C (Castagnoli) is computed from a 256-entry table, eight bytes per step.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable

__all__ = [
    "bytes_field",
    "crc32c",
    "double_field",
    "float_field",
    "masked_crc32c",
    "message_field",
    "packed_doubles_field",
    "record",
    "varint_field",
]


def _varint(value: int) -> bytes:
    if value < 0:
        value += 1 << 64  # int64 fields: two's complement, ten bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire_type: int) -> bytes:
    return _varint(field << 3 | wire_type)


def varint_field(field: int, value: int) -> bytes:
    """An int32/int64/bool/enum field (wire type 0).

    Example:
        >>> varint_field(2, 300).hex()
        '10ac02'
    """
    return _key(field, 0) + _varint(int(value))


def double_field(field: int, value: float) -> bytes:
    """A double field (wire type 1).

    Example:
        >>> double_field(1, 1.0).hex()
        '09000000000000f03f'
    """
    return _key(field, 1) + struct.pack("<d", value)


def float_field(field: int, value: float) -> bytes:
    """A float field (wire type 5).

    Example:
        >>> float_field(2, 0.5).hex()
        '150000003f'
    """
    return _key(field, 5) + struct.pack("<f", value)


def bytes_field(field: int, value: bytes | str) -> bytes:
    """A string, bytes or embedded-message field (wire type 2).

    Example:
        >>> bytes_field(1, "loss").hex()
        '0a046c6f7373'
    """
    data = value.encode() if isinstance(value, str) else value
    return _key(field, 2) + _varint(len(data)) + data


message_field = bytes_field


def packed_doubles_field(field: int, values: Iterable[float]) -> bytes:
    """A packed ``repeated double`` field.

    Example:
        >>> packed_doubles_field(6, [1.0]).hex()
        '3208000000000000f03f'
    """
    data = b"".join(struct.pack("<d", v) for v in values)
    return bytes_field(field, data)


def _crc_tables() -> list[list[int]]:
    polynomial = 0x82F63B78  # CRC-32C, reflected
    first = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ polynomial if crc & 1 else crc >> 1
        first.append(crc)
    tables = [first]
    for _ in range(7):
        previous = tables[-1]
        tables.append([(previous[n] >> 8) ^ first[previous[n] & 0xFF] for n in range(256)])
    return tables


_T = _crc_tables()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``.

    Example:
        >>> hex(crc32c(b"123456789"))
        '0xe3069283'
    """
    t0, t1, t2, t3, t4, t5, t6, t7 = _T
    crc = 0xFFFFFFFF
    end = len(data) - len(data) % 8
    for (word,) in struct.iter_unpack("<Q", memoryview(data)[:end]):
        low = (word & 0xFFFFFFFF) ^ crc
        high = word >> 32
        crc = (
            t7[low & 0xFF] ^ t6[(low >> 8) & 0xFF] ^ t5[(low >> 16) & 0xFF] ^ t4[low >> 24]
            ^ t3[high & 0xFF] ^ t2[(high >> 8) & 0xFF] ^ t1[(high >> 16) & 0xFF] ^ t0[high >> 24]
        )  # fmt: skip
    for byte in data[end:]:
        crc = (crc >> 8) ^ t0[(crc ^ byte) & 0xFF]
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: the CRC rotated right by 15 bits plus a constant.

    Example:
        >>> hex(masked_crc32c(b""))
        '0xa282ead8'
    """
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(payload: bytes) -> bytes:
    """One TFRecord frame around ``payload``.

    Example:
        >>> len(record(b"abc"))
        19
    """
    length = struct.pack("<Q", len(payload))
    return length + struct.pack("<I", masked_crc32c(length)) + payload + struct.pack("<I", masked_crc32c(payload))
