#!/usr/bin/env python3
"""An SNTP client (RFC 4330/5905) that checks every byte of the reply the
way systemd-timesyncd and the RFCs want it, for test_ntp.sh.

usage:
  ntp_client.py HOST PORT [--version N] [--pad N] [--timeout S]
      one mode-3 request with a random transmit timestamp (and --pad:
      zeros after byte 48, N bytes in all).  Exit 0 when the reply is
      exactly 48 bytes, mode 4, VN echoed, LI 0, stratum 1..15, origin ==
      our transmit bytes verbatim, receive and transmit within 1 s of this
      machine's clock (receive <= transmit), reference timestamp nonzero
      and <= transmit, root distance (delay/2 + dispersion) < 1 s.
  ntp_client.py HOST PORT --expect-unsynced [--version N]
      the same request; exit 0 when the reply is well formed (48 bytes,
      mode 4, VN echoed, origin echoed) and says "not synchronized":
      LI 3 and stratum 16, which timesyncd refuses.
  ntp_client.py HOST PORT --raw HEX [--allow-reply-upto N] [--timeout S]
      send the bytes HEX as one datagram.  Exit 0 when no reply comes
      within the timeout (default 0.7 s) -- or, with --allow-reply-upto,
      when the reply is at most N bytes; exit 1 otherwise.
Every run prints one line about the reply (and "# ..." lines on failure).
"""
import os
import socket
import struct
import sys
import time

NTP_UNIX = 2208988800  # 1900-01-01 to 1970-01-01, in seconds


def usage():
    sys.stderr.write(__doc__)
    sys.exit(2)


def ntp_to_unix(raw8):
    """A 64-bit NTP timestamp (bytes) as Unix seconds (float), era aware:
    seconds with the top bit clear are after 2036-02-07 (RFC 4330 §3)."""
    sec, frac = struct.unpack("!II", raw8)
    if sec == 0 and frac == 0:
        return None
    era = 0 if sec & 0x80000000 else 1
    return sec + (era << 32) - NTP_UNIX + frac / 2.0**32


def short_to_float(v):
    return (v >> 16) + (v & 0xFFFF) / 65536.0


def parse_args(argv):
    if len(argv) < 2:
        usage()
    o = {
        "host": argv[0],
        "port": int(argv[1]),
        "version": 4,
        "pad": 48,
        "timeout": None,
        "raw": None,
        "allow": None,
        "unsynced": False,
    }
    rest = argv[2:]
    i = 0
    while i < len(rest):
        a = rest[i]
        if a == "--expect-unsynced":
            o["unsynced"] = True
            i += 1
            continue
        if i + 1 >= len(rest):
            usage()
        v = rest[i + 1]
        if a == "--version":
            o["version"] = int(v)
        elif a == "--pad":
            o["pad"] = int(v)
        elif a == "--timeout":
            o["timeout"] = float(v)
        elif a == "--raw":
            o["raw"] = bytes.fromhex(v)
        elif a == "--allow-reply-upto":
            o["allow"] = int(v)
        else:
            usage()
        i += 2
    return o


def sock(host, port, timeout):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect((host, port))  # replies from elsewhere are not ours
    return s


def raw_mode(o):
    t = o["timeout"] if o["timeout"] is not None else 0.7
    s = sock(o["host"], o["port"], t)
    s.send(o["raw"])
    try:
        r = s.recv(65536)
    except socket.timeout:
        print("no reply to %d bytes within %.1f s" % (len(o["raw"]), t))
        return 0
    except ConnectionRefusedError:
        print("no reply to %d bytes (ICMP port unreachable: nothing listens)" % len(o["raw"]))
        return 0
    print("reply of %d bytes to a %d-byte datagram: %s" % (len(r), len(o["raw"]), r[:64].hex()))
    if o["allow"] is not None and len(r) <= o["allow"]:
        return 0
    return 1


def request_mode(o):
    t = o["timeout"] if o["timeout"] is not None else 3.0
    vn = o["version"]
    xmt = os.urandom(8)
    # LI 0, VN, mode 3; poll 6 (64 s), as a client would say.
    req = bytes([(0 << 6) | (vn << 3) | 3, 0, 6, 0]) + bytes(36) + xmt
    req += bytes(max(0, o["pad"] - 48))
    s = sock(o["host"], o["port"], t)
    t1 = time.time()
    s.send(req)
    try:
        r = s.recv(65536)
    except socket.timeout:
        print("no reply within %.1f s" % t)
        return 1
    except ConnectionRefusedError:
        print("no reply (ICMP port unreachable: nothing listens)")
        return 1
    t4 = time.time()
    bad = []
    if len(r) != 48:
        bad.append("reply is %d bytes, not 48 (timesyncd: 'Invalid response from server')" % len(r))
    if len(r) < 48:
        print("short reply (%d bytes): %s" % (len(r), r.hex()))
        for b in bad:
            print("# " + b)
        return 1
    li, rvn, mode = r[0] >> 6, (r[0] >> 3) & 7, r[0] & 7
    stratum, poll, prec = r[1], struct.unpack("!b", r[2:3])[0], struct.unpack("!b", r[3:4])[0]
    rdelay, rdisp = struct.unpack("!II", r[4:12])
    refid = r[12:16]
    ref, org, rec, xm = r[16:24], r[24:32], r[32:40], r[40:48]
    if mode != 4:
        bad.append("mode %d, not 4 (server)" % mode)
    if rvn != vn:
        bad.append("VN %d, the request's was %d" % (rvn, vn))
    if org != xmt:
        bad.append("origin %s is not our transmit %s (timesyncd: 'not our transmit time')"
                   % (org.hex(), xmt.hex()))
    T2, T3, Tref = ntp_to_unix(rec), ntp_to_unix(xm), ntp_to_unix(ref)
    dist = short_to_float(rdelay) / 2 + short_to_float(rdisp)
    if o["unsynced"]:
        if li != 3:
            bad.append("LI %d, want 3 (alarm: not synchronized)" % li)
        if stratum != 16:
            bad.append("stratum %d, want 16 (unsynchronized)" % stratum)
    else:
        if li != 0:
            bad.append("LI %d, not 0" % li)
        if not 1 <= stratum <= 15:
            bad.append("stratum %d, not 1..15 (timesyncd: 'Server is not synchronized')" % stratum)
        if T2 is None or T3 is None:
            bad.append("receive or transmit timestamp is zero")
        else:
            if not t1 - 1 <= T2 <= t4 + 1:
                bad.append("receive time %.3f is not within 1 s of ours (%.3f..%.3f)" % (T2, t1, t4))
            if not t1 - 1 <= T3 <= t4 + 1:
                bad.append("transmit time %.3f is not within 1 s of ours (%.3f..%.3f)" % (T3, t1, t4))
            if T2 > T3:
                bad.append("receive %.6f is after transmit %.6f" % (T2, T3))
            if Tref is None:
                bad.append("reference timestamp is zero")
            elif Tref > T3 + 0.001:
                bad.append("reference timestamp %.3f is after transmit %.3f" % (Tref, T3))
        if dist >= 1.0:
            bad.append("root distance %.3f s (delay %.3f/2 + dispersion %.3f) is not < 1 s"
                       % (dist, short_to_float(rdelay), short_to_float(rdisp)))
    off = ((T2 - t1) + (T3 - t4)) / 2 if T2 is not None and T3 is not None else float("nan")
    rid = refid.decode("ascii", "replace").rstrip("\0") if stratum <= 1 else refid.hex()
    print("reply: %d bytes, LI %d VN %d mode %d stratum %d poll %d precision %d refid %s "
          "root distance %.6f s offset %+.6f s delay %.6f s"
          % (len(r), li, rvn, mode, stratum, poll, prec, rid, dist, off, t4 - t1))
    if o["unsynced"] and not bad:
        print("timesyncd would refuse it: 'Server is not synchronized'")
    for b in bad:
        print("# " + b)
    return 1 if bad else 0


def main():
    o = parse_args(sys.argv[1:])
    if o["raw"] is not None:
        return raw_mode(o)
    return request_mode(o)


if __name__ == "__main__":
    sys.exit(main())
