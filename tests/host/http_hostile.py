#!/usr/bin/env python3
"""Raw-socket HTTP/1.1 client for tests/host/test_http.sh and bench/http.

Everything a real client (curl, wget) will not send, or cannot measure:
hostile and malformed requests, pipelining, slow and idle connections,
held-open connections, and multipart/byteranges checking.

    http_hostile.py req PORT RAW [options]       one raw exchange, checked
    http_hostile.py corpus PORT [--canary TEXT] [--prefix NAME]
                                                 the hostile corpus, TAP lines
    http_hostile.py pipeline PORT PATH FILE ...  N requests in one write
    http_hostile.py multipart HEADERS BODY FILE RANGES
    http_hostile.py slowloris PORT N --ready FILE [--timeout S]
    http_hostile.py idle PORT --ready FILE [--timeout S]
    http_hostile.py stall PORT PATH SIZE [--timeout S]
    http_hostile.py hold PORT N --ready FILE [--path P]
    http_hostile.py cap PORT N                   N held, the N+1st gets 503
    http_hostile.py flood PORT N --src ADDR --seconds S --ready FILE
                                                 N slow connections from ADDR,
                                                 each one refused or closed
                                                 opened again at once
    http_hostile.py freeport                     a free loopback TCP port

RAW is text with Python escapes (\\r \\n \\x00 ...) and repetitions
{TEXT*N} (TEXT repeated N times, expanded before the escapes), e.g.
'GET / HTTP/1.1\\r\\nHost: x\\r\\n{X-A: b\\r\\n*70}\\r\\n'.
Exit status: 0 when every check held, 1 otherwise, 2 on usage errors.
"""
import argparse
import os
import re
import select
import socket
import sys
import time

HOST = "127.0.0.1"


# ---- requests and responses ----

def expand(raw, escapes=True):
    """{TEXT*N} repetitions, then (escapes) Python escapes, to bytes."""
    def rep(m):
        return m.group(1) * int(m.group(2))
    raw = re.sub(r"\{(.+?)\*(\d+)\}", rep, raw, flags=re.S)
    b = raw.encode("latin-1")
    return b.decode("unicode_escape").encode("latin-1") if escapes else b


def connect(port, host=HOST, timeout=10.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Response:
    def __init__(self, status, reason, headers, body, head_raw):
        self.status = status
        self.reason = reason
        self.headers = headers      # list of (lower name, value)
        self.body = body
        self.head_raw = head_raw

    def get(self, name):
        for k, v in self.headers:
            if k == name.lower():
                return v
        return None

    def all(self, name):
        return [v for k, v in self.headers if k == name.lower()]


def parse_head(data):
    """(Response without body, bytes after the head) or None if incomplete."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = data[:end].decode("latin-1")
    rest = data[end + 4:]
    lines = head.split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)$", lines[0])
    if not m:
        raise ValueError("bad status line: %r" % lines[0][:100])
    headers = []
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        if not sep:
            raise ValueError("bad header line: %r" % ln[:100])
        headers.append((k.strip().lower(), v.strip()))
    return Response(int(m.group(1)), m.group(2), headers, b"", data[:end + 4]), rest


class Reader:
    """Reads responses off one socket; knows HEAD and 304 have no body."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.eof = False

    def fill(self):
        if self.eof:
            return False
        try:
            d = self.sock.recv(1 << 20)
        except ConnectionResetError:
            d = b""
        if not d:
            self.eof = True
            return False
        self.buf += d
        return True

    def response(self, method="GET"):
        while True:
            p = parse_head(self.buf)
            if p is not None:
                break
            if not self.fill():
                if self.buf:
                    raise ValueError("connection closed inside a head: %r" % self.buf[:200])
                return None
        r, rest = p
        if method == "HEAD" or r.status in (204, 304) or 100 <= r.status < 200:
            n = 0
        elif r.get("content-length") is not None:
            n = int(r.get("content-length"))
        else:
            raise ValueError("response without Content-Length (status %d)" % r.status)
        while len(rest) < n:
            self.buf = rest
            if not self.fill():
                raise ValueError("body cut short: %d of %d bytes" % (len(self.buf), n))
            rest = self.buf
        r.body = rest[:n]
        self.buf = rest[n:]
        return r

    def closed_after(self, wait):
        """True when the peer closes within wait seconds with nothing more sent."""
        self.sock.settimeout(wait)
        try:
            while self.fill():
                pass
        except socket.timeout:
            return False
        return True


def exchange(port, data, timeout=5.0, method=None, host=HOST, close_wait=3.0):
    """Send data, read one response, then wait up to close_wait seconds for
    the server to close; returns (Response|None, closed, extra, error)."""
    s = connect(port, host, timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass    # the server may answer and close before all is sent
        rd = Reader(s)
        if method is None:
            method = data.split(b" ", 1)[0].decode("latin-1", "replace")
        try:
            r = rd.response(method)
        except socket.timeout:
            return None, False, rd.buf, "timed out: no response, connection open"
        except ValueError as e:
            return None, False, rd.buf, str(e)
        closed = False
        extra = b""
        try:
            closed = rd.closed_after(close_wait if r is not None else 0.1)
            extra = rd.buf
        except OSError:
            closed = True
        return r, closed, extra, None if r is not None else "no response (closed)"
    finally:
        s.close()


def show(r, extra=b"", err=None):
    if err:
        print("error:", err)
    if r is not None:
        sys.stdout.write(r.head_raw.decode("latin-1"))
        print("[body %d bytes: %r]" % (len(r.body), r.body[:120]))
    if extra:
        print("[after the response: %d bytes: %r]" % (len(extra), extra[:120]))


# ---- req ----

def cmd_req(a):
    data = expand(a.raw)
    wait = 3.0 if a.closes else 1.0 if a.stays_open else 0.2
    r, closed, extra, err = exchange(a.port, data, a.timeout, a.method, a.host, wait)
    show(r, extra, err)
    ok = True
    if a.expect:
        want = [int(x) for x in a.expect.split(",")]
        if r is None or r.status not in want:
            print("FAIL: status %s, want one of %s" % (r and r.status, want))
            ok = False
    elif r is None:
        ok = False
    for text in a.absent or []:
        blob = (r.head_raw + r.body if r else b"") + extra
        if text.encode() in blob:
            print("FAIL: %r is in the response" % text)
            ok = False
    for text in a.present or []:
        blob = (r.head_raw + r.body if r else b"")
        if text.encode() not in blob:
            print("FAIL: %r is not in the response" % text)
            ok = False
    for h in a.header or []:
        name, _, rx = h.partition(":")
        v = r.get(name) if r else None
        if v is None or not re.search(rx.strip(), v):
            print("FAIL: header %s is %r, want /%s/" % (name, v, rx.strip()))
            ok = False
    for name in a.no_header or []:
        if r is not None and r.get(name) is not None:
            print("FAIL: header %s is present" % name)
            ok = False
    if a.body_len is not None and (r is None or len(r.body) != a.body_len):
        print("FAIL: body is %s bytes, want %d" % (r and len(r.body), a.body_len))
        ok = False
    if a.closes and not closed:
        print("FAIL: the connection stayed open")
        ok = False
    if a.stays_open and closed:
        print("FAIL: the server closed the connection")
        ok = False
    if extra and r is not None and not a.allow_extra:
        print("FAIL: bytes after the response")
        ok = False
    return 0 if ok else 1


# ---- the hostile corpus ----

# (name, raw request, acceptable statuses, must the server close?)
# Status 0: closed without a response; -1: no response within the corpus
# timeout, connection still open (the head timeout will answer it later).
CORPUS = [
    # traversal: decoded once, ".." refused, double encoding stays literal
    ("traversal /../", "GET /../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal /iso/../../", "GET /iso/../../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal deep ../../../etc/passwd", "GET /../../../../../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal in ISO /iso/httptest/../../..", "GET /iso/httptest/../../../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal /./../", "GET /./../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal %2e%2e", "GET /%2e%2e/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal %2E%2E", "GET /%2E%2E/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal .%2e", "GET /.%2e/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal ..%2f (encoded slash)", "GET /..%2fcanary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal %2e%2e%2f", "GET /%2e%2e%2fcanary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal sub/%2e%2e/%2e%2e/", "GET /sub/%2e%2e/%2e%2e/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal double-encoded %252e%252e is literal", "GET /%252e%252e/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (404,), False),
    ("traversal double-encoded %252e%252e%252f", "GET /%252e%252e%252fcanary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (404,), False),
    ("traversal backslash", "GET /..\\canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal %5c backslash", "GET /%5c..%5ccanary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal NUL %00", "GET /hello.txt%00.png HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal NUL %00 before ..", "GET /%00/../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal overlong %c0%ae%c0%ae", "GET /%c0%ae%c0%ae/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal overlong %c0%af", "GET /..%c0%afcanary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal overlong %e0%80%ae", "GET /%e0%80%ae%e0%80%ae/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal raw overlong bytes", "GET /\xc0\xae\xc0\xae/canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal .... is a name", "GET /..../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (404,), False),
    ("traversal absolute-form", "GET http://x/../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal //../", "GET //../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400, 404), False),
    ("traversal bad escape %zz", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal truncated escape %2", "GET /hello.txt%2 HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal no leading slash", "GET ../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), False),
    ("traversal symlink out of the files dir", "GET /escape-link HTTP/1.1\r\nHost: x\r\n\r\n", (403, 404), False),
    ("traversal absolute symlink in the files dir", "GET /passwd-link HTTP/1.1\r\nHost: x\r\n\r\n", (403, 404), False),
    ("traversal relative symlink inside an ISO", "GET /iso/big/escape HTTP/1.1\r\nHost: x\r\n\r\n", (403, 404), False),
    ("traversal absolute symlink inside an ISO", "GET /iso/big/abs-passwd HTTP/1.1\r\nHost: x\r\n\r\n", (403, 404), False),
    ("a FIFO in the files dir is refused, not waited on", "GET /fifo HTTP/1.1\r\nHost: x\r\n\r\n", (403, 404), False),
    # limits
    ("header over the head limit -> 431", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: {a*9000}\r\n\r\n", (431,), True),
    ("head that never ends -> 431", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n{X-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n*400}", (431,), True),
    ("70 header lines -> 431", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n{X-A: b\r\n*70}\r\n", (431,), True),
    ("63 header lines are fine", "GET /hello.txt HTTP/1.1\r\nHost: x\r\n{X-A: b\r\n*63}\r\n", (200,), False),
    ("request target over 4096 -> 414", "GET /{a*5000} HTTP/1.1\r\nHost: x\r\n\r\n", (414,), True),
    ("request line over the head limit -> 414/431", "GET /{a*9000} HTTP/1.1\r\nHost: x\r\n\r\n", (414, 431), True),
    ("method over the head limit -> 431/400", "{G*9000} / HTTP/1.1\r\nHost: x\r\n\r\n", (400, 431), True),
    # framing and syntax
    ("HTTP/1.1 without Host -> 400", "GET /hello.txt HTTP/1.1\r\n\r\n", (400,), True),
    ("two Host lines -> 400", "GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", (400,), True),
    ("HTTP/2.0 -> 505", "GET /hello.txt HTTP/2.0\r\nHost: x\r\n\r\n", (505,), True),
    ("HTTP/1.2 -> 505", "GET /hello.txt HTTP/1.2\r\nHost: x\r\n\r\n", (505,), True),
    ("HTTP/0.9 request line -> 400", "GET /hello.txt\r\n\r\n", (400,), True),
    ("lowercase version -> 400", "GET /hello.txt http/1.1\r\nHost: x\r\n\r\n", (400,), True),
    ("two spaces in the request line -> 400", "GET  /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), True),
    ("space before the colon -> 400", "GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n", (400,), True),
    ("line without a colon -> 400", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n", (400,), True),
    ("obs-fold -> 400", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n\r\n", (400,), True),
    ("NUL in a header value -> 400", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", (400,), True),
    ("TE and CL together (smuggling) -> 400", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", (400,), True),
    ("two different Content-Lengths -> 400", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", (400,), True),
    ("Transfer-Encoding gzip only -> 400/501", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", (400, 501), True),
    ("GET with a body -> 413, closed", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", (413,), True),
    ("POST with a body -> 405, closed", "POST /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /", (405,), True),
    ("unknown method -> 405", "BREW /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", (405,), False),
    ("lowercase get -> 405", "get /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", (405,), False),
    ("OPTIONS * -> 405/400", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", (400, 405), False),
    ("CONNECT -> 405/400", "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", (400, 405), False),
    ("'#' in the target -> 400", "GET /hello.txt#frag HTTP/1.1\r\nHost: x\r\n\r\n", (400,), True),
    ("five empty lines then a request -> 400", "\r\n\r\n\r\n\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", (400,), True),
    ("one empty line then a request is fine", "\r\nGET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n", (200,), False),
    ("bare LF line ends are fine", "GET /hello.txt HTTP/1.1\nHost: x\n\n", (200,), False),
    ("HTTP/1.0 without Host is fine, closed", "GET /hello.txt HTTP/1.0\r\n\r\n", (200,), True),
    ("Connection: close is honoured", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", (200,), True),
    ("a query string is not part of the path", "GET /hello.txt?a=../../canary.txt HTTP/1.1\r\nHost: x\r\n\r\n", (200,), False),
    ("binary junk -> 400", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", (400, 0), True),
    ("TLS ClientHello on the HTTP port -> 400/closed",
     "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03{\x42*32}\x00\x00\x20{\xc0\x2b*16}\x01\x00\x00\x58"
     "{\x00*88}", (400, 431, 0, -1), True),
    ("Range with 17 ranges is ignored (200)", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes={0-0,*16}0-0\r\n\r\n", (200, 206), False),
    ("Range garbage is ignored (200)", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=z-q\r\n\r\n", (200,), False),
    ("Range with a huge number -> 416 or 206", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=99999999999999999999999-\r\n\r\n", (200, 416), False),
    ("If-Modified-Since garbage is ignored (200)", "GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: yesterday\r\n\r\n", (200,), False),
]


def cmd_corpus(a):
    fails = 0
    for name, raw, want, must_close in CORPUS:
        data = expand(raw, escapes=False)
        t0 = time.monotonic()
        try:
            r, closed, extra, err = exchange(a.port, data, a.timeout,
                                             close_wait=3.0 if must_close else 0.05)
        except OSError as e:
            r, closed, extra, err = None, True, b"", "socket: %s" % e
        problems = []
        dt = time.monotonic() - t0
        got = r.status if r is not None else -1 if err and err.startswith("timed out") else 0
        if got not in want:
            problems.append("status %s, want %s" % (got if got > 0 else "none (%s)" % err,
                            "/".join(str(w) for w in want)))
        blob = (r.head_raw + r.body if r else b"") + extra
        for leak in a.canary or []:
            if leak.encode() in blob:
                problems.append("LEAK: %r in the response" % leak)
        if must_close and r is not None and not closed and r.status != -1:
            problems.append("the connection stayed open")
        if r is not None and r.get("content-length") is None and r.status != 304:
            problems.append("no Content-Length")
        if problems:
            fails += 1
            print("not ok - %s%s%s" % (a.prefix, ": " if a.quiet else "", name))
            for p in problems:
                print("# " + p)
            if r is not None:
                for ln in r.head_raw.decode("latin-1").splitlines()[:8]:
                    print("#   " + ln)
        elif not a.quiet:
            print("ok - %s%s (%s, %.2f s)" % (a.prefix, name, {0: "closed", -1: "no answer yet"}.get(got, got), dt))
    if a.quiet and not fails:
        print("ok - %s: all %d cases as expected, no leak" % (a.prefix, len(CORPUS)))
    return 1 if fails else 0


# ---- pipelining ----

def cmd_pipeline(a):
    if len(a.pairs) % 2:
        print("usage: pipeline PORT [METHOD:]PATH FILE ...")
        return 2
    reqs = []
    for i in range(0, len(a.pairs), 2):
        target, want = a.pairs[i], a.pairs[i + 1]
        method = "GET"
        if ":" in target and not target.startswith("/"):
            method, target = target.split(":", 1)
        reqs.append((method, target, want))
    data = b"".join(("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Seq: %d\r\n\r\n" %
                     (m, t, i)).encode() for i, (m, t, _) in enumerate(reqs))
    s = connect(a.port)
    s.sendall(data)     # one write: every request is in the server's buffer at once
    rd = Reader(s)
    ok = True
    for i, (m, t, want) in enumerate(reqs):
        r = rd.response(m)
        if r is None:
            print("FAIL: response %d (%s %s) missing" % (i + 1, m, t))
            return 1
        exp = open(want, "rb").read() if want != "-" else None
        if r.status != 200:
            print("FAIL: response %d (%s %s): status %d" % (i + 1, m, t, r.status))
            ok = False
        elif m == "HEAD":
            if r.body or (exp is not None and int(r.get("content-length")) != len(exp)):
                print("FAIL: response %d (HEAD %s): body %d bytes, Content-Length %s" %
                      (i + 1, t, len(r.body), r.get("content-length")))
                ok = False
        elif exp is not None and r.body != exp:
            print("FAIL: response %d (%s %s): %d bytes, not the content of %s (%d bytes)" %
                  (i + 1, m, t, len(r.body), want, len(exp)))
            ok = False
        print("response %d: %s %s -> %d, %d bytes" % (i + 1, m, t, r.status, len(r.body)))
    s.settimeout(0.5)
    try:
        more = s.recv(100)
        if more:
            print("FAIL: bytes after the last response: %r" % more)
            ok = False
    except socket.timeout:
        pass
    s.close()
    return 0 if ok else 1


# ---- multipart/byteranges ----

def parse_ranges(spec, size):
    out = []
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if first == "":
            n = int(last)
            out.append((max(0, size - n), size - 1))
        elif last == "":
            out.append((int(first), size - 1))
        else:
            out.append((int(first), min(int(last), size - 1)))
    return out


def cmd_multipart(a):
    head = open(a.headers, "rb").read().decode("latin-1")
    body = open(a.body, "rb").read()
    orig = open(a.file, "rb").read()
    size = len(orig)
    m = re.search(r"^content-type:\s*multipart/byteranges;\s*boundary=\"?([^\"\r\n;]+)\"?",
                  head, re.I | re.M)
    if not m:
        print("FAIL: no multipart/byteranges Content-Type in:\n" + head)
        return 1
    if not re.search(r"^HTTP/1\.1 206 ", head, re.M):
        print("FAIL: not a 206:\n" + head)
        return 1
    cl = re.search(r"^content-length:\s*(\d+)", head, re.I | re.M)
    if not cl or int(cl.group(1)) != len(body):
        print("FAIL: Content-Length %s, body %d bytes" % (cl and cl.group(1), len(body)))
        return 1
    b = b"--" + m.group(1).encode()
    want = parse_ranges(a.ranges, size)
    # RFC 2046: parts start with CRLF--boundary (the first may omit the CRLF)
    pos = body.find(b)
    if pos < 0:
        print("FAIL: no boundary in the body")
        return 1
    parts = []
    while True:
        pos += len(b)
        if body[pos:pos + 2] == b"--":
            break
        if body[pos:pos + 2] != b"\r\n":
            print("FAIL: boundary not followed by CRLF at %d" % pos)
            return 1
        hend = body.find(b"\r\n\r\n", pos)
        phead = body[pos + 2:hend].decode("latin-1")
        cr = re.search(r"^content-range:\s*bytes (\d+)-(\d+)/(\d+)", phead, re.I | re.M)
        if not cr:
            print("FAIL: part without Content-Range: %r" % phead)
            return 1
        first, last, total = (int(x) for x in cr.groups())
        data = body[hend + 4:hend + 4 + (last - first + 1)]
        nxt = hend + 4 + (last - first + 1)
        if body[nxt:nxt + 2 + len(b)] != b"\r\n" + b:
            print("FAIL: part %d-%d not followed by CRLF and the boundary" % (first, last))
            return 1
        parts.append((first, last, total, data))
        pos = nxt + 2
    ok = True
    if [(f, l) for f, l, _, _ in parts] != want:
        print("FAIL: parts %s, want %s" % ([(f, l) for f, l, _, _ in parts], want))
        ok = False
    for f, l, t, d in parts:
        if t != size or d != orig[f:l + 1]:
            print("FAIL: part %d-%d/%d does not match the file (%d bytes)" % (f, l, t, size))
            ok = False
        else:
            print("part bytes %d-%d/%d: %d bytes match" % (f, l, t, len(d)))
    return 0 if ok else 1


# ---- slow and idle clients ----

def cmd_slowloris(a):
    """N connections trickle a head one byte a second; each must get 408 and
    be closed around the head timeout.  Prints one line per outcome."""
    trickle = ("GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: " + "s" * 200).encode()
    conns = []
    for _ in range(a.n):
        s = connect(a.port)
        s.setblocking(False)
        conns.append({"s": s, "sent": 0, "t0": None, "data": b"", "end": None})
    t_start = time.monotonic()
    next_tick = t_start
    if a.ready:
        open(a.ready, "w").close()
    deadline = t_start + a.timeout + 8
    while time.monotonic() < deadline and any(c["end"] is None for c in conns):
        now = time.monotonic()
        if now >= next_tick:
            for c in conns:
                if c["end"] is None and c["sent"] < len(trickle):
                    try:
                        c["s"].send(trickle[c["sent"]:c["sent"] + 1])
                        c["sent"] += 1
                        if c["t0"] is None:
                            c["t0"] = now
                    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                        pass
            next_tick += 1.0
        live = [c["s"] for c in conns if c["end"] is None]
        r, _, _ = select.select(live, [], [], max(0.0, min(0.2, next_tick - time.monotonic())))
        for s in r:
            c = next(c for c in conns if c["s"] is s)
            try:
                d = s.recv(4096)
            except (ConnectionResetError, BlockingIOError):
                d = b""
            if d:
                c["data"] += d
            else:
                c["end"] = time.monotonic()
    ok = True
    times = []
    for i, c in enumerate(conns):
        status = c["data"][:12].decode("latin-1")
        if c["end"] is None:
            print("FAIL: connection %d still open after %.0f s (sent %d bytes)" %
                  (i, time.monotonic() - c["t0"], c["sent"]))
            ok = False
            continue
        dt = c["end"] - c["t0"]
        times.append(dt)
        if status != "HTTP/1.1 408":
            print("FAIL: connection %d got %r, want a 408" % (i, c["data"][:60]))
            ok = False
        if not (a.timeout - 1.5 <= dt <= a.timeout + 4):
            print("FAIL: connection %d closed %.1f s after its first byte, want ~%d s" %
                  (i, dt, a.timeout))
            ok = False
    if times:
        print("%d/%d connections answered 408 and closed %.1f-%.1f s after their first byte" %
              (sum(1 for c in conns if c["data"].startswith(b"HTTP/1.1 408")), len(conns),
               min(times), max(times)))
    for c in conns:
        c["s"].close()
    return 0 if ok else 1


def cmd_idle(a):
    """Two idle connections: one that never sent a byte, one after a complete
    keep-alive request.  Both must be closed quietly around the idle timeout."""
    fresh = connect(a.port)
    used = connect(a.port)
    used.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    rd = Reader(used)
    r = rd.response()
    t0 = time.monotonic()
    if a.ready:
        open(a.ready, "w").close()
    ok = r is not None and r.status == 200
    if not ok:
        print("FAIL: the first request failed")
    res = {}
    socks = {"fresh": fresh, "keep-alive": used}
    for s in socks.values():
        s.setblocking(False)
    data = {k: b"" for k in socks}
    deadline = t0 + a.timeout + 10
    while len(res) < len(socks) and time.monotonic() < deadline:
        live = [s for k, s in socks.items() if k not in res]
        rr, _, _ = select.select(live, [], [], 0.5)
        for s in rr:
            k = next(k for k, v in socks.items() if v is s)
            try:
                d = s.recv(4096)
            except ConnectionResetError:
                d = b""
            if d:
                data[k] += d
            else:
                res[k] = time.monotonic() - t0
    for k in socks:
        if k not in res:
            print("FAIL: the %s connection is still open after %.0f s" % (k, time.monotonic() - t0))
            ok = False
            continue
        print("%s connection closed after %.1f s idle%s" %
              (k, res[k], ", with %r" % data[k][:40] if data[k] else " (quietly)"))
        if not (a.timeout - 1.5 <= res[k] <= a.timeout + 5):
            print("FAIL: want ~%d s" % a.timeout)
            ok = False
        if data[k]:
            print("FAIL: an idle connection should be closed without a response")
            ok = False
    return 0 if ok else 1


def cmd_stall(a):
    """A client that asks for a big file and stops reading: the server must
    give up on it after its send timeout (its kernel may still deliver what
    was queued, then EOF) instead of holding the connection forever."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect((HOST, a.port))
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % a.path).encode())
    if a.ready:
        open(a.ready, "w").close()
    time.sleep(a.timeout + a.grace)
    total = 0
    end = "still open"
    s.settimeout(3.0)
    try:
        while True:
            d = s.recv(1 << 20)
            if not d:
                end = "EOF"
                break
            total += len(d)
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        pass
    s.close()
    print("stalled reader: %s after %d of %d bytes (head included), %.0f s after the request" %
          (end, total, a.size, a.timeout + a.grace))
    if end == "still open" or total >= a.size:
        print("FAIL: want the server to give up on a reader that stalls")
        return 1
    return 0


def cmd_hold(a):
    """Open N connections (each after one complete request unless --no-request)
    and hold them until killed."""
    conns = []
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % a.path).encode()
    for i in range(a.n):
        s = connect(a.port)
        if not a.no_request:
            s.sendall(req)
            r = Reader(s).response()
            if r is None or r.status != 200:
                print("connection %d: request failed" % i, file=sys.stderr)
                return 1
        conns.append(s)
    if a.ready:
        with open(a.ready, "w") as f:
            f.write("%d\n" % len(conns))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


def cmd_cap(a):
    """With the server's cap at N: N open connections are served, the N+1st
    is refused with 503 (and closed), and once one is gone a new one works."""
    held = [connect(a.port) for _ in range(a.n)]
    ok = True
    # The held ones are accepted (and served).
    held[0].sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    r = Reader(held[0]).response()
    if r is None or r.status != 200:
        print("FAIL: a connection within the cap was not served")
        ok = False
    time.sleep(0.2)
    r, closed, extra, err = exchange(a.port, b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    show(r, extra, err)
    if r is None or r.status != 503 or not closed:
        print("FAIL: connection %d: want a 503 and a close" % (a.n + 1))
        ok = False
    elif r.get("retry-after") is None:
        print("FAIL: the 503 has no Retry-After")
        ok = False
    held.pop().close()
    time.sleep(0.3)
    r, closed, extra, err = exchange(a.port, b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    if r is None or r.status != 200:
        print("FAIL: after one connection closed, a new one is still refused (%s)" %
              (r and r.status))
        ok = False
    for s in held:
        s.close()
    return 0 if ok else 1


def cmd_flood(a):
    """N connections from a.src that send half a request head and wait; each
    one the server refuses (503) or closes is opened again at once, for
    a.seconds.  Prints how many the server held at the end, how many
    reconnects were needed, and how many 503s were seen."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, a.n + 256)), hard))
    head = b"GET /boot.ipxe HTTP/1.1\r\nHost: x\r\nX-Slow: "
    refused = reconnects = 0

    def opened():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((a.src, 0))
        s.setblocking(False)
        try:
            s.connect((HOST, a.port))
        except BlockingIOError:
            pass
        return {"s": s, "sent": False}

    conns = {}
    for _ in range(a.n):
        c = opened()
        conns[c["s"].fileno()] = c
    poll = select.poll()
    for fd in conns:
        poll.register(fd, select.POLLIN | select.POLLOUT)
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.seconds
    while time.monotonic() < deadline:
        for fd, ev in poll.poll(50):
            c = conns.get(fd)
            if c is None:
                continue
            if ev & select.POLLOUT and not c["sent"]:
                try:
                    c["s"].send(head)
                except OSError:
                    pass
                c["sent"] = True
                poll.modify(fd, select.POLLIN)
                continue
            if not ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                continue
            try:
                data = c["s"].recv(4096)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1.1 503"):
                refused += 1
            if data.startswith(b"HTTP/1.1 503") or not data:
                poll.unregister(fd)
                c["s"].close()
                del conns[fd]
                n = opened()
                conns[n["s"].fileno()] = n
                poll.register(n["s"].fileno(), select.POLLIN | select.POLLOUT)
                reconnects += 1
    conns = list(conns.values())
    held = 0
    for c in conns:
        try:
            if c["s"].recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) == b"":
                continue
        except BlockingIOError:
            held += 1
            continue
        except OSError:
            continue
    print("flood: %d connections from %s, %d held open at the end, %d reconnects, %d 503s" %
          (a.n, a.src, held, reconnects, refused))
    return 0


def cmd_freeport(a):
    s = socket.socket()
    s.bind((HOST, 0))
    print(s.getsockname()[1])
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)

    q = sub.add_parser("req")
    q.add_argument("port", type=int)
    q.add_argument("raw")
    q.add_argument("--host", default=HOST)
    q.add_argument("--method", help="the method the response answers (HEAD: no body)")
    q.add_argument("--expect", help="acceptable statuses, comma-separated")
    q.add_argument("--absent", action="append", help="text that must not be in the response")
    q.add_argument("--present", action="append", help="text that must be in the response")
    q.add_argument("--header", action="append", help="NAME: REGEX that a header must match")
    q.add_argument("--no-header", action="append", help="a header that must be absent")
    q.add_argument("--body-len", type=int)
    q.add_argument("--closes", action="store_true", help="the server must close after")
    q.add_argument("--stays-open", action="store_true", help="the server must not close")
    q.add_argument("--allow-extra", action="store_true")
    q.add_argument("--timeout", type=float, default=5.0)

    q = sub.add_parser("corpus")
    q.add_argument("port", type=int)
    q.add_argument("--canary", action="append")
    q.add_argument("--prefix", default="")
    q.add_argument("--quiet", action="store_true",
                   help="print only failures and one summary line")
    q.add_argument("--timeout", type=float, default=5.0)

    q = sub.add_parser("pipeline")
    q.add_argument("port", type=int)
    q.add_argument("pairs", nargs="+")

    q = sub.add_parser("multipart")
    q.add_argument("headers")
    q.add_argument("body")
    q.add_argument("file")
    q.add_argument("ranges")

    q = sub.add_parser("slowloris")
    q.add_argument("port", type=int)
    q.add_argument("n", type=int)
    q.add_argument("--ready")
    q.add_argument("--timeout", type=float, default=10.0)

    q = sub.add_parser("idle")
    q.add_argument("port", type=int)
    q.add_argument("--ready")
    q.add_argument("--timeout", type=float, default=30.0)

    q = sub.add_parser("stall")
    q.add_argument("port", type=int)
    q.add_argument("path")
    q.add_argument("size", type=int)
    q.add_argument("--ready")
    q.add_argument("--timeout", type=float, default=30.0)
    q.add_argument("--grace", type=float, default=5.0)

    q = sub.add_parser("hold")
    q.add_argument("port", type=int)
    q.add_argument("n", type=int)
    q.add_argument("--ready")
    q.add_argument("--path", default="/hello.txt")
    q.add_argument("--no-request", action="store_true")

    q = sub.add_parser("cap")
    q.add_argument("port", type=int)
    q.add_argument("n", type=int)

    q = sub.add_parser("flood")
    q.add_argument("port", type=int)
    q.add_argument("n", type=int)
    q.add_argument("--src", default="127.0.0.2")
    q.add_argument("--seconds", type=float, default=10.0)
    q.add_argument("--ready")

    sub.add_parser("freeport")

    a = p.parse_args()
    return {"req": cmd_req, "corpus": cmd_corpus, "pipeline": cmd_pipeline,
            "multipart": cmd_multipart, "slowloris": cmd_slowloris, "idle": cmd_idle,
            "hold": cmd_hold, "stall": cmd_stall, "cap": cmd_cap, "flood": cmd_flood,
            "freeport": cmd_freeport}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
