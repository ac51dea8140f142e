#!/usr/bin/env python3
"""A scriptable DHCP client for tests/host/test_dhcp.sh: sends one crafted
request from a real UDP socket on port 68 (held to --iface) and prints
every reply that arrives within --wait seconds, one line each:

  OFFER yiaddr=10.99.0.100 siaddr=10.99.0.1 file=undionly.kpxe sid=10.99.0.1
        vc=PXEClient o43=060108ff o175=b00101 from=10.99.0.1:67 ...

--hostile N sends N malformed packets to the server instead (truncated,
lying lengths, overload loops, random bytes) and prints how many went out.
Runs only inside the test's own network namespaces."""
import argparse
import os
import random
import socket
import struct
import sys
import time

MAGIC = b"\x63\x82\x53\x63"
TYPES = {"discover": 1, "offer": 2, "request": 3, "decline": 4, "ack": 5, "nak": 6,
         "release": 7, "inform": 8}
NAMES = {v: k.upper() for k, v in TYPES.items()}


def opt(code, data):
    out = b""
    while True:
        chunk, data = data[:255], data[255:]
        out += bytes([code, len(chunk)]) + chunk
        if not data:
            return out


def build(a, xid):
    mac = bytes.fromhex(a.mac.replace(":", ""))
    flags = 0x8000 if a.broadcast else 0
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 0, xid, 0, flags,
                      socket.inet_aton(a.ciaddr), b"\0" * 4, b"\0" * 4,
                      socket.inet_aton(a.giaddr), mac, b"", b"")
    o = opt(53, bytes([TYPES[a.type]]))
    if a.requested:
        o += opt(50, socket.inet_aton(a.requested))
    if a.server_id:
        o += opt(54, socket.inet_aton(a.server_id))
    if a.arch is not None:
        o += opt(93, struct.pack("!H", a.arch))
        o += opt(94, b"\x01\x03\x10")
    if a.vendor:
        o += opt(60, a.vendor.encode())
    if a.user_class:
        o += opt(77, a.user_class.encode())
    if a.opt175:
        o += opt(175, b"\x13\x01\x01\x27\x01\x01")   # HTTP, menu features
    if a.uuid:
        o += opt(97, b"\x00" + bytes(range(16)))
    if a.relay:
        o += opt(82, b"\x01\x04port\x02\x03abc")
    o += opt(55, bytes([1, 3, 6, 43, 60, 66, 67, 175]))
    return hdr + MAGIC + o + b"\xff"


def parse(p):
    if len(p) < 240 or p[236:240] != MAGIC:
        return None
    f = {"op": p[0], "xid": struct.unpack("!I", p[4:8])[0],
         "flags": struct.unpack("!H", p[10:12])[0],
         "yiaddr": socket.inet_ntoa(p[16:20]), "siaddr": socket.inet_ntoa(p[20:24]),
         "chaddr": p[28:34].hex(":"),
         "file": p[108:236].split(b"\0")[0].decode("latin-1")}
    opts = {}
    i = 240
    while i < len(p) and p[i] != 255:
        if p[i] == 0:
            i += 1
            continue
        c, n = p[i], p[i + 1]
        opts[c] = opts.get(c, b"") + p[i + 2:i + 2 + n]
        i += 2 + n
    f["opts"] = opts
    return f


def show(f, src):
    o = f["opts"]
    t = NAMES.get(o.get(53, b"\0")[0], "BOOTP")
    words = [t, "yiaddr=" + f["yiaddr"], "siaddr=" + f["siaddr"],
             "file=" + (f["file"] or "-")]
    if 54 in o:
        words.append("sid=" + socket.inet_ntoa(o[54]))
    if 51 in o:
        words.append("lease=%d" % struct.unpack("!I", o[51])[0])
    if 1 in o:
        words.append("mask=" + socket.inet_ntoa(o[1]))
    if 3 in o:
        words.append("router=" + socket.inet_ntoa(o[3][:4]))
    if 6 in o:
        words.append("dns=" + socket.inet_ntoa(o[6][:4]))
    if 60 in o:
        words.append("vc=" + o[60].decode("latin-1"))
    if 67 in o:
        words.append("o67=" + o[67].decode("latin-1"))
    for c in (43, 82, 97, 175):
        if c in o:
            words.append("o%d=%s" % (c, o[c].hex()))
    if 56 in o:
        words.append("msg=" + o[56].decode("latin-1").replace(" ", "_"))
    words.append("bcast=%d" % (1 if f["flags"] & 0x8000 else 0))
    words.append("from=%s:%d" % src)
    print(" ".join(words), flush=True)


def hostile(a, sock, dst):
    good = build(a, 1)
    pkts = [b"", b"\x01", good[:100], good[:239], good[:240],
            good[:240] + b"\x35",                         # length byte missing
            good[:240] + b"\x35\x05\x01",                 # length past the end
            good[:240] + b"\x35\x02\x01\x01\xff",         # bad type length
            good[:240] + b"\x35\x01\x63\xff",             # unknown type 99
            good[:240] + b"\x34\x01\x03" + b"\x35\x01\x01\xff",  # overload, garbage fields
            good[:236] + b"\x00\x00\x00\x00" + b"\x35\x01\x01\xff",  # no cookie
            good[:240] + b"\x00" * 1200,                  # pads, no END
            good[:240] + (b"\x0c\x00" * 600) + b"\xff",   # too many options
            b"\x02" + good[1:],                           # a BOOTREPLY
            good[:2] + b"\x40" + good[3:],                # hlen 64
            good + b"\xff" * 3000]                        # over DHCP_MAX_PACKET
    ov = bytearray(good[:240] + b"\x34\x01\x03\x35\x01\x01\xff")
    ov[108:236] = b"\x34\x01\x03" + b"\x0c\xf0" + b"A" * 100 + b"\0" * 23   # runs past file
    pkts.append(bytes(ov))
    rnd = random.Random(a.seed)
    while len(pkts) < a.hostile:
        p = bytearray(good)
        for _ in range(rnd.randint(1, 20)):
            p[rnd.randrange(len(p))] = rnd.randrange(256)
        pkts.append(bytes(p[:rnd.randint(0, len(p))]))
    sent = 0
    for p in pkts[:a.hostile]:
        try:
            sock.sendto(p, dst)
            sent += 1
        except OSError:
            pass
    print("sent %d hostile packets" % sent)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--mac", default="52:54:00:aa:bb:01")
    ap.add_argument("--type", default="discover", choices=sorted(TYPES))
    ap.add_argument("--arch", type=int)
    ap.add_argument("--vendor")
    ap.add_argument("--user-class")
    ap.add_argument("--opt175", action="store_true")
    ap.add_argument("--uuid", action="store_true")
    ap.add_argument("--relay", action="store_true")
    ap.add_argument("--broadcast", action="store_true")
    ap.add_argument("--ciaddr", default="0.0.0.0")
    ap.add_argument("--giaddr", default="0.0.0.0")
    ap.add_argument("--requested")
    ap.add_argument("--server-id")
    ap.add_argument("--dst", default="255.255.255.255")
    ap.add_argument("--port", type=int, default=67)
    ap.add_argument("--sport", type=int, default=68)
    ap.add_argument("--wait", type=float, default=1.5)
    ap.add_argument("--xid", type=lambda s: int(s, 0))
    ap.add_argument("--hostile", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.iface.encode())
    s.bind(("0.0.0.0", a.sport))
    dst = (a.dst, a.port)
    if a.hostile:
        hostile(a, s, dst)
        return 0
    xid = a.xid if a.xid is not None else random.getrandbits(32)
    s.sendto(build(a, xid), dst)
    end = time.time() + a.wait
    while True:
        left = end - time.time()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            p, src = s.recvfrom(4096)
        except socket.timeout:
            break
        f = parse(p)
        if f and f["op"] == 2 and f["xid"] == xid:
            show(f, src)
    return 0


if __name__ == "__main__":
    sys.exit(main())
