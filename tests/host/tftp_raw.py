#!/usr/bin/env python3
"""Hand-made TFTP packets for what no real client sends: firmware garbage
after the file name, an OACK refused with error 8, duplicate ACKs, an
unknown opcode, slow ACKs (for a reload mid-transfer), and holding
transfers open to reach the server's cap.  Used by test_tftp.sh only;
every transfer check with real clients is done with real clients.

usage: tftp_raw.py HOST PORT COMMAND ARGS...  (exit 0: as expected)
"""
import socket
import struct
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])
CMD, ARGS = sys.argv[3], sys.argv[4:]
TIMEOUT = 5.0


SRC = __import__("os").environ.get("TFTP_SRC")  # a source address, e.g. 127.0.0.2


def sock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    if SRC:
        s.bind((SRC, 0))
    return s


def rrq(name, mode=b"octet", opts=(), tail=b""):
    pkt = struct.pack("!H", 1) + name + b"\0" + mode + b"\0"
    for k, v in opts:
        pkt += k + b"\0" + v + b"\0"
    return pkt + tail


def ack(n):
    return struct.pack("!HH", 4, n & 0xFFFF)


def fail(msg):
    print("tftp_raw: " + msg)
    sys.exit(1)


def fetch(s, first_pkt, blksize=512, dup_acks=0, delay=0.0):
    """Lockstep download after the server's first reply; returns (data, packets)."""
    data, packets, expect = b"", 0, 1
    pkt, peer = first_pkt
    while True:
        op, blk = struct.unpack("!HH", pkt[:4])
        if op == 5:
            fail("error %d: %r" % (blk, pkt[4:]))
        if op == 6:
            s.sendto(ack(0), peer)
        elif op == 3:
            packets += 1
            if blk != expect & 0xFFFF:
                fail("block %d, expected %d" % (blk, expect & 0xFFFF))
            data += pkt[4:]
            if delay:
                time.sleep(delay)
            for _ in range(1 + dup_acks):
                s.sendto(ack(blk), peer)
            expect += 1
            if len(pkt) - 4 < blksize:
                return data, packets
        pkt, peer = s.recvfrom(70000)


def cmd_get():
    """get NAME_PY_LITERAL FILE [dup_acks] [delay] [tail_py_literal]: a lockstep download."""
    name = eval(ARGS[0])  # a bytes literal from the test, e.g. b'/x\xff'
    want = open(ARGS[1], "rb").read()
    dups = int(ARGS[2]) if len(ARGS) > 2 else 0
    delay = float(ARGS[3]) if len(ARGS) > 3 else 0.0
    tail = eval(ARGS[4]) if len(ARGS) > 4 else b""
    s = sock()
    # timeout 10: the server's retransmission interval is then fixed at
    # 10 s, so every DATA counted below is an answer to an ACK.
    s.sendto(rrq(name, opts=[(b"timeout", b"10")], tail=tail), (HOST, PORT))
    data, packets = fetch(s, s.recvfrom(70000), dup_acks=dups, delay=delay)
    if data != want:
        fail("content differs: %d bytes, want %d" % (len(data), len(want)))
    blocks = len(want) // 512 + 1
    if packets != blocks:
        fail("%d DATA packets for %d blocks (duplicates answered?)" % (packets, blocks))
    print("%d bytes, %d DATA packets for %d blocks, %d duplicate ACKs each" %
          (len(data), packets, blocks, dups))


def cmd_refuse_oack():
    """refuse-oack NAME: ask for tsize, answer the OACK with error 8."""
    s = sock()
    s.sendto(rrq(ARGS[0].encode(), opts=[(b"tsize", b"0"), (b"blksize", b"1024")]),
             (HOST, PORT))
    pkt, peer = s.recvfrom(70000)
    if struct.unpack("!H", pkt[:2])[0] != 6:
        fail("expected an OACK, got %r" % pkt[:20])
    print("OACK: %r" % pkt[2:])
    s.sendto(struct.pack("!HH", 5, 8) + b"no options, thanks\0", peer)
    # The server must not send anything more.
    s.settimeout(1.0)
    try:
        pkt, _ = s.recvfrom(70000)
        fail("the server went on after error 8: %r" % pkt[:20])
    except socket.timeout:
        pass


def cmd_expect_error():
    """expect-error CODE RAW_PY_LITERAL: send RAW to the server port, want ERROR CODE."""
    s = sock()
    s.sendto(eval(ARGS[1]), (HOST, PORT))
    pkt, peer = s.recvfrom(70000)
    op, code = struct.unpack("!HH", pkt[:4])
    if op != 5 or code != int(ARGS[0]):
        fail("expected error %s, got opcode %d code %d %r" % (ARGS[0], op, code, pkt[4:]))
    if peer[1] == PORT:
        fail("the error came from the listening port, not a new TID")
    print("error %d %r from port %d" % (code, pkt[4:-1], peer[1]))


def cmd_cap():
    """cap N NAME [HOLD_SECONDS]: N transfers held open (no ACKs), then one
    more is refused; the N are held HOLD_SECONDS longer (default 0)."""
    n, name = int(ARGS[0]), ARGS[1].encode()
    hold = float(ARGS[2]) if len(ARGS) > 2 else 0.0
    held = []
    for _ in range(n):
        s = sock()
        s.sendto(rrq(name), (HOST, PORT))
        pkt, peer = s.recvfrom(70000)
        if struct.unpack("!H", pkt[:2])[0] != 3:
            fail("transfer %d: expected DATA, got %r" % (len(held) + 1, pkt[:20]))
        held.append((s, peer))
    s = sock()
    s.sendto(rrq(name), (HOST, PORT))
    pkt, _ = s.recvfrom(70000)
    op, code = struct.unpack("!HH", pkt[:4])
    if op != 5:
        fail("transfer %d was not refused: opcode %d" % (n + 1, op))
    print("transfer %d refused: error %d %r" % (n + 1, code, pkt[4:-1]), flush=True)
    time.sleep(hold)
    for s, peer in held:  # end them cleanly
        s.sendto(struct.pack("!HH", 5, 0) + b"test over\0", peer)


def main():
    cmds = {"get": cmd_get, "refuse-oack": cmd_refuse_oack,
            "expect-error": cmd_expect_error, "cap": cmd_cap}
    if CMD not in cmds:
        fail("unknown command " + CMD)
    try:
        cmds[CMD]()
    except socket.timeout:
        fail("timed out")


main()
