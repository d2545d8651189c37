#!/usr/bin/env python3
"""mmdb_writer.py — a small MaxMind DB (MMDB 2.0) writer for tests.

No GeoLite database is available offline, so the geography tests build
their own: a few loopback and documentation ranges (RFC 5737, RFC 3849)
mapped to countries and regions in GeoIP2-Country/City shape:

    {"country": {"iso_code": "CN"}, "subdivisions": [{"iso_code": "BJ"}]}

It follows the published "MaxMind DB File Format Specification" 2.0:
a binary search tree over the address bits (24-bit records; an IPv6 tree
with IPv4 at ::/96), sixteen zero bytes, the data section (the type/size
control byte encoding of maps, arrays, strings and unsigned integers) and
the metadata after "\\xab\\xcd\\xefMaxMind.com".

Usage: mmdb_writer.py OUT.mmdb   (writes the test database below)
"""

import ipaddress
import struct
import sys

# type numbers of the data section (spec: "Output Data Types")
T_POINTER, T_STRING, T_DOUBLE, T_BYTES, T_UINT16, T_UINT32, T_MAP = 1, 2, 3, 4, 5, 6, 7
T_INT32, T_UINT64, T_UINT128, T_ARRAY, T_BOOLEAN = 8, 9, 10, 11, 14

METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"


def _control(type_, size):
    """The control byte(s): type in the top 3 bits (extended types > 7
    as 0 plus a byte of type - 7), the size in the low 5 bits with 1-3
    extension bytes for sizes of 29 and more."""
    if size < 29:
        size_bits, ext = size, b""
    elif size < 29 + 256:
        size_bits, ext = 29, bytes([size - 29])
    elif size < 285 + 65536:
        size_bits, ext = 30, struct.pack(">H", size - 285)
    else:
        size_bits, ext = 31, struct.pack(">I", size - 65821)[1:]
    if type_ <= 7:
        return bytes([(type_ << 5) | size_bits]) + ext
    return bytes([size_bits, type_ - 7]) + ext


def _uint(type_, value):
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big") if value else b""
    return _control(type_, len(raw)) + raw


def encode(value):
    """Encode a Python value: dict -> map, list -> array, str -> string,
    bool -> boolean, int -> uint32 (uint64 when larger), bytes -> bytes."""
    if isinstance(value, dict):
        out = _control(T_MAP, len(value))
        for k, v in value.items():
            out += encode(str(k)) + encode(v)
        return out
    if isinstance(value, list):
        return _control(T_ARRAY, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _control(T_STRING, len(raw)) + raw
    if isinstance(value, bool):
        return _control(T_BOOLEAN, int(value))
    if isinstance(value, int):
        return _uint(T_UINT32 if value < 2**32 else T_UINT64, value)
    if isinstance(value, bytes):
        return _control(T_BYTES, len(value)) + value
    raise TypeError("cannot encode %r" % (value,))


class Writer:
    """Networks (IPv4 or IPv6) to records; IPv4 lives at ::/96 of the
    IPv6 tree, as GeoIP2 databases lay it out."""

    def __init__(self, database_type="Rampart-Test-Country"):
        self.database_type = database_type
        self.nodes = [[None, None]]  # child: None (empty), int (node), ("data", offset)
        self.data = b""
        self.offsets = {}

    def _data_offset(self, record):
        raw = encode(record)
        if raw not in self.offsets:
            self.offsets[raw] = len(self.data)
            self.data += raw
        return self.offsets[raw]

    def insert(self, network, record):
        """Insert broader networks before the more specific ones inside
        them: a later, longer prefix splits the earlier one's leaf."""
        net = ipaddress.ip_network(network)
        bits, plen = int(net.network_address), net.prefixlen
        if net.version == 4:
            plen += 96
        leaf = ("data", self._data_offset(record))
        node = 0
        for depth in range(plen):
            bit = (bits >> (127 - depth)) & 1
            if depth == plen - 1:
                self.nodes[node][bit] = leaf
                return
            child = self.nodes[node][bit]
            if not isinstance(child, int):
                self.nodes.append([child, child])  # None, or a broader leaf split in two
                child = self.nodes[node][bit] = len(self.nodes) - 1
            node = child

    def build(self):
        count = len(self.nodes)
        tree = bytearray()
        for left, right in self.nodes:
            for child in (left, right):
                if child is None:
                    value = count
                elif isinstance(child, int):
                    value = child
                else:
                    value = count + 16 + child[1]
                tree += value.to_bytes(3, "big")
        metadata = {
            "node_count": count,
            "record_size": 24,
            "ip_version": 6,
            "database_type": self.database_type,
            "languages": ["en"],
            "binary_format_major_version": 2,
            "binary_format_minor_version": 0,
            "build_epoch": 1795651200,
            "description": {"en": "Rampart test geography (documentation ranges)"},
        }
        # uint16 fields must be encoded as uint16 (libmaxminddb checks types)
        meta = _control(T_MAP, len(metadata))
        for k, v in metadata.items():
            meta += encode(k)
            if k in ("record_size", "ip_version", "binary_format_major_version",
                     "binary_format_minor_version"):
                meta += _uint(T_UINT16, v)
            elif k == "build_epoch":
                meta += _uint(T_UINT64, v)
            else:
                meta += encode(v)
        return bytes(tree) + b"\x00" * 16 + self.data + METADATA_MARKER + meta


def geo(country, region=None):
    rec = {"country": {"iso_code": country}}
    if region:
        rec["subdivisions"] = [{"iso_code": region}]
    return rec


# The test database: 127.0.0.1 deliberately absent (not found).
TEST_NETWORKS = [
    ("127.0.0.2/32", geo("CN", "BJ")),
    ("127.0.0.3/32", geo("CN", "SH")),
    ("127.0.0.4/32", geo("US", "CA")),
    ("127.0.0.5/32", geo("DE")),
    ("192.0.2.0/24", geo("DE", "BE")),
    ("198.51.100.0/24", geo("FR")),
    ("203.0.113.0/24", geo("JP", "13")),
    ("203.0.113.128/25", geo("KR")),
    ("2001:db8::/32", geo("NL")),
    ("2001:db8:1::/48", geo("GB", "ENG")),
]


def test_database():
    w = Writer()
    for net, rec in TEST_NETWORKS:
        w.insert(net, rec)
    return w.build()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mmdb_writer.py OUT.mmdb")
    with open(sys.argv[1], "wb") as f:
        f.write(test_database())
