#!/usr/bin/env python3
"""Write the DHCP seed corpus (tests/fuzz/corpus/dhcp/): requests shaped
like the clients pxestick meets -- PXE firmware (BIOS, UEFI), UEFI HTTP
Boot, iPXE, udhcpc, dhclient, a relayed request, overload -- and a few
broken ones.  Regenerate with: python3 tests/fuzz/mk-dhcp-seeds.py"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "dhcp")


def opt(c, d):
    return bytes([c, len(d)]) + d


def msg(opts, op=1, giaddr=b"\0" * 4, file=b"", sname=b"", flags=0):
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, 1, 6, 0, 0x1234abcd, 4, flags,
                      b"\0" * 4, b"\0" * 4, b"\0" * 4, giaddr,
                      bytes.fromhex("525400123456"), sname, file)
    return hdr + b"\x63\x82\x53\x63" + opts


PXE = opt(60, b"PXEClient:Arch:00007:UNDI:003016") + opt(93, b"\0\x07") + \
    opt(94, b"\x01\x03\x10") + opt(97, b"\0" + bytes(range(16)))
seeds = {
    "bios-pxe": msg(opt(53, b"\x01") + opt(60, b"PXEClient:Arch:00000:UNDI:002001") +
                    opt(93, b"\0\0") + opt(57, b"\x05\xc0") + b"\xff", flags=0x8000),
    "uefi-pxe": msg(opt(53, b"\x01") + PXE + opt(55, bytes([1, 3, 6, 43, 60, 66, 67])) + b"\xff"),
    "uefi-http": msg(opt(53, b"\x01") + opt(60, b"HTTPClient:Arch:00016:UNDI:003016") +
                     opt(93, b"\0\x10") + b"\xff"),
    "ipxe-request": msg(opt(53, b"\x03") + opt(50, b"\x0a\x63\x00\x64") +
                        opt(54, b"\x0a\x63\x00\x01") + PXE + opt(77, b"iPXE") +
                        opt(175, b"\x13\x01\x01\x27\x01\x01\xb1\x05\x01\x10\xec\x80\x00") + b"\xff"),
    "udhcpc": msg(opt(53, b"\x01") + opt(61, b"\x01RT\x00\x124V") + opt(60, b"udhcp 1.35.0") +
                  opt(57, b"\x02\x40") + opt(55, bytes([1, 3, 6, 12, 15, 28, 42])) + b"\xff"),
    "dhclient-renew": msg(opt(53, b"\x03") + opt(12, b"client") +
                          opt(55, bytes([1, 28, 2, 3, 15, 6, 119, 12])) + b"\xff"),
    "relayed-82": msg(opt(53, b"\x01") + opt(82, b"\x01\x04port\x02\x03abc") + b"\xff",
                      giaddr=b"\x0a\x63\x00\xfe"),
    "overload-3": msg(opt(53, b"\x01") + opt(52, b"\x03") + opt(77, b"iP") + b"\xff",
                      file=b"\x4dXE\xff"[:1] + b"\x02XE\xff", sname=b"\x3d\x02id"),
    "split-3396": msg(opt(53, b"\x08") + opt(43, b"\x06\x01\x08") + opt(43, b"\xff") +
                      opt(77, b"\x04iPXE") + b"\xff"),
    "decline": msg(opt(53, b"\x04") + opt(50, b"\x0a\x63\x00\x65") + opt(54, b"\x0a\x63\x00\x01") + b"\xff"),
    "offer-reply": msg(opt(53, b"\x02") + opt(54, b"\x0a\x4d\x00\x01") + opt(51, b"\0\0\x0e\x10") + b"\xff", op=2),
    "truncated-option": msg(opt(53, b"\x01") + b"\x3c\x20PXE"),
    "no-end-pads": msg(opt(53, b"\x01") + b"\0" * 40),
}
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
print("%d seeds in %s" % (len(seeds), OUT))
