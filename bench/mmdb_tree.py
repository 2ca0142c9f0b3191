"""Every network of a MaxMind DB, read from its binary search tree, for bench/gen.py and
bench/scope-check.py.

python3-maxminddb (Debian 12: 2.2) cannot iterate over a database's networks, so the search
tree is walked here, as the MaxMind DB format specification lays it out: node_count nodes of
two records each (record_size bits per record, 24, 28 or 32); a record below node_count is
the next node, equal to node_count means "no data", above it points into the data section
(offset = record - node_count - 16). The records' contents are read with the library's own
Reader (one lookup per distinct record), so only the tree walk is ours.

In an IPv6 tree IPv4 lives under ::/96, and MaxMind points ::ffff:0:0/96 (IPv4-mapped),
2002::/16 (6to4) and 2001::/32 (Teredo) at the same subtree. The IPv6 walk reports those
places (and ::/96 itself) as alias blocks, not networks, so that nothing is counted twice.
"""
import ipaddress

import maxminddb

V4 = 4
V6 = 6
WIDTH = {V4: 32, V6: 128}

# Kinds of the blocks networks() yields.
DATA = "data"      # a database network; the value is its record's data-section offset
ALIAS = "alias"    # a pointer back into the IPv4 subtree (or ::/96 itself) in an IPv6 tree


def _record_reader(buf, record_size):
    """A function node -> (left, right) for the tree's record size."""
    if record_size == 24:
        def rec(n):
            b = n * 6
            x = buf[b:b + 6]
            return (x[0] << 16) | (x[1] << 8) | x[2], (x[3] << 16) | (x[4] << 8) | x[5]
    elif record_size == 28:
        # Seven bytes: left's low 24 bits, a middle byte whose high nibble is left's top
        # four bits and whose low nibble is right's, then right's low 24 bits.
        def rec(n):
            b = n * 7
            x = buf[b:b + 7]
            return (((x[3] & 0xF0) << 20) | (x[0] << 16) | (x[1] << 8) | x[2],
                    ((x[3] & 0x0F) << 24) | (x[4] << 16) | (x[5] << 8) | x[6])
    elif record_size == 32:
        def rec(n):
            b = n * 8
            return (int.from_bytes(buf[b:b + 4], "big"), int.from_bytes(buf[b + 4:b + 8], "big"))
    else:
        raise ValueError("unsupported record size %d" % record_size)
    return rec


class Tree:
    def __init__(self, path):
        self.path = path
        self.reader = maxminddb.open_database(path)
        md = self.reader.metadata()
        self.node_count = md.node_count
        self.record_size = md.record_size
        self.ip_version = md.ip_version
        self.database_type = md.database_type
        self.build_epoch = md.build_epoch
        with open(path, "rb") as f:
            self.buf = f.read(self.node_count * self.record_size // 4)
        self.rec = _record_reader(self.buf, self.record_size)
        self._records = {}
        # The node where IPv4 starts: the root of an IPv4 tree, else 96 steps left.
        self.v4_start = 0
        if self.ip_version == 6:
            n = 0
            for _ in range(96):
                if n >= self.node_count:
                    break
                n = self.rec(n)[0]
            self.v4_start = n

    def networks(self, family):
        """(start, prefix_len, kind, value) for every block with data, in address order;
        prefix lengths in the family's own bits. Blocks without data (gaps) are left out.
        For V6, kind ALIAS marks ::/96 and the blocks pointing at the IPv4 subtree."""
        nc = self.node_count
        rec = self.rec
        width = WIDTH[family]
        if family == V4:
            root = self.v4_start
        else:
            if self.ip_version != 6:
                return
            root = 0
        if root > nc:
            # The whole family is one network (a tree that ends above it).
            yield (0, 0, DATA, root - nc - 16)
            return
        if root == nc:
            return
        v4 = self.v4_start
        check_alias = family == V6
        # Stack entries (node, depth, start); a data record waiting to be yielded is
        # entered as node -(offset + 1). Right is pushed before left, so blocks come out
        # in address order.
        stack = [(root, 0, 0)]
        pop, push = stack.pop, stack.append
        while stack:
            n, depth, start = pop()
            if n < 0:
                yield (start, depth, DATA, -n - 1)
                continue
            if check_alias and n == v4 and depth > 0:
                yield (start, depth, ALIAS, None)
                continue
            left, right = rec(n)
            d1 = depth + 1
            right_start = start | (1 << (width - d1))
            if right < nc:
                push((right, d1, right_start))
            elif right > nc:
                push((nc + 15 - right, d1, right_start))
            if left < nc:
                push((left, d1, start))
            elif left > nc:
                push((nc + 15 - left, d1, start))

    def record(self, family, start, offset):
        """The decoded record at a data offset (start: any address of a network using it)."""
        r = self._records.get(offset)
        if r is None:
            if family == V4:
                ip = ipaddress.IPv4Address(start)
            else:
                ip = ipaddress.IPv6Address(start)
            r = self.reader.get(ip) or {}
            self._records[offset] = r
        return r


def fields(rec):
    """The fields gslbd's map reads (its default GeoIP2 City paths): continent code, country
    code, first subdivision's code, English city name, latitude, longitude. Missing = None."""
    def get(*path):
        v = rec
        for p in path:
            if isinstance(v, dict):
                v = v.get(p)
            elif isinstance(v, list) and isinstance(p, int):
                v = v[p] if p < len(v) else None
            else:
                return None
            if v is None:
                return None
        return v

    return (get("continent", "code"), get("country", "iso_code"),
            get("subdivisions", 0, "iso_code"), get("city", "names", "en"),
            get("location", "latitude"), get("location", "longitude"))
