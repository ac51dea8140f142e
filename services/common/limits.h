/*
 * Every limit pxestick enforces on untrusted input, in one place.  Input
 * beyond a limit is refused on purpose, with a message that names the limit.
 */
#ifndef PXESTICK_COMMON_LIMITS_H
#define PXESTICK_COMMON_LIMITS_H

/* ---- ISO 9660 reader (services/iso) ---- */

/* Entries (files, directories, links) indexed per image.  A full Arch ISO
 * has a few hundred; a Debian DVD about 60,000. */
#define ISO_MAX_NODES           (4u * 1024 * 1024)
/* Bytes of names and symlink targets kept per image. */
#define ISO_MAX_NAME_POOL       (256u * 1024 * 1024)
/* Data extents per image (multi-extent files use one per 4 GiB part). */
#define ISO_MAX_EXTENTS         (8u * 1024 * 1024)
/* Bytes in one directory's extent (a 100,000-entry directory needs ~12 MiB). */
#define ISO_MAX_DIR_BYTES       (64u * 1024 * 1024)
/* Nesting of directories below the root. */
#define ISO_MAX_DEPTH           256
/* Length of a path we build or resolve, and of one name. */
#define ISO_MAX_PATH            4096
#define ISO_MAX_NAME            1024
/* SUSP continuation areas (CE) followed for one directory record. */
#define ISO_MAX_CE_HOPS         32
/* Bytes of system-use data gathered for one record (record + CE areas). */
#define ISO_MAX_SUSP_BYTES      (64u * 1024)
/* Symlinks followed while resolving one path (as Linux's 40). */
#define ISO_MAX_SYMLINK_HOPS    40
/* Volume descriptors read before the terminator must appear. */
#define ISO_MAX_VOLUME_DESCRIPTORS 64
/* El Torito boot catalog: sectors read, entries kept. */
#define ISO_MAX_BOOT_CATALOG_SECTORS 4
#define ISO_MAX_BOOT_ENTRIES    16

/* ---- authorized_keys and script.cfg (services/keyinject) ---- */

/* Bytes of an authorized_keys file read at all (a few hundred keys). */
#define KEYS_MAX_FILE           (1024u * 1024)
/* Bytes of one line, newline excluded.  A 16384-bit RSA key (OpenSSH's
 * largest) is ~2,800 base64 characters; the rest is room for options. */
#define KEYS_MAX_LINE           16384
/* Bytes of a decoded key blob: all a line can hold (OpenSSH's
 * SSH_MAX_PUBKEY_BYTES is 16384). */
#define KEYS_MAX_BLOB           (KEYS_MAX_LINE / 4 * 3)
/* Key lines kept per file; the rest are refused (duplicates are found by
 * fingerprint, one slot per key). */
#define KEYS_MAX_KEYS           256
/* RSA modulus size in bits: at least 2048 (NIST SP 800-131A; OpenSSH
 * itself still takes 1024), at most OpenSSH's SSH_RSA_MAXIMUM_MODULUS_SIZE. */
#define KEYS_RSA_MIN_BITS       2048
#define KEYS_RSA_MAX_BITS       16384
/* Bytes of one error message, quoted input included. */
#define KEYS_MAX_ERROR          256
/* Bytes of the --extra script embedded in script.cfg. */
#define KEYS_MAX_EXTRA          (256u * 1024)
/* Steps in script.cfg (extra-scripts' *.sh, and pxestick's own). */
#define KEYS_MAX_STEPS          64

/* ---- Arch ISO knowledge (services/archiso) ---- */

/* Boot entries kept per ISO (Arch ships three). */
#define ARCHISO_MAX_ENTRIES     32
/* initrd lines per entry (microcode images + the initramfs). */
#define ARCHISO_MAX_INITRDS     8
/* A path inside the ISO named by an entry. */
#define ARCHISO_MAX_PATH        256
#define ARCHISO_MAX_TITLE       128
#define ARCHISO_MAX_NAME        64
/* Kernel options as written, and the command line we build. */
#define ARCHISO_MAX_OPTIONS     2048
#define ARCHISO_MAX_CMDLINE     4096
/* Bytes of one config file (entry or syslinux cfg) we read. */
#define ARCHISO_MAX_CONFIG      (64u * 1024)
/* Entry files looked at in loader/entries. */
#define ARCHISO_MAX_ENTRY_FILES 64
/* A checksum file (airootfs.sha512). */
#define ARCHISO_MAX_CHECKSUM_FILE 4096

/* ---- config file (services/common/config.c) ---- */

#define CONFIG_MAX_BYTES        (64u * 1024)
#define CONFIG_MAX_KEY          64
#define CONFIG_MAX_VALUE        1024

/* ---- HTTP server (services/http) ---- */

/* Bytes of a request head: request line, header lines and the empty line
 * that ends them; more is 431.  A head from curl, wget or iPXE is 100-300
 * bytes, a browser's under 2 KiB; nginx's default per line is 8 KiB.  It
 * is also the receive buffer of a connection (200 connections: 1.6 MiB). */
#define HTTP_MAX_HEAD_BYTES     8192
/* Header lines per request (a browser sends about 15); more is 431. */
#define HTTP_MAX_HEADERS        64
/* Bytes of the request-target as sent (percent-encoded); more is 414. */
#define HTTP_MAX_TARGET         4096
/* Empty lines skipped before a request line (RFC 9112 2.2 asks for one). */
#define HTTP_MAX_EMPTY_LINES    4
/* Ranges in one Range field; more and the field is ignored (200). */
#define HTTP_MAX_RANGES         16
/* RFC 9110 14.2 abuse limits: a Range field is ignored when more of its
 * ranges than this overlap another one ... */
#define HTTP_MAX_OVERLAPPING_RANGES 2
/* ... or when it has more ranges than this and they are not ascending. */
#define HTTP_MAX_UNSORTED_RANGES 4

/* ---- TLS: certificates, keys and connections (services/tls) ---- */

/* Bytes of one PEM file read (a certificate chain or a private key). */
#define TLS_MAX_PEM_FILE        (64u * 1024)
/* Certificates kept from a chain file, and their DER bytes in total. */
#define TLS_MAX_CHAIN_CERTS     8
#define TLS_MAX_CHAIN_BYTES     (32u * 1024)
/* subjectAltNames in a generated certificate, and the bytes of one DNS
 * name (RFC 1035: 253 characters written without the final dot). */
#define TLS_MAX_SANS            32
#define TLS_MAX_DNS_NAME        253
/* DER bytes of a certificate we generate: TLS_MAX_SANS names of
 * TLS_MAX_DNS_NAME bytes (8.2 KiB) and ~700 bytes of the rest fit. */
#define TLS_MAX_GEN_CERT        (12u * 1024)
/* A generated certificate is valid from a day before its creation for
 * this many years, and replaced when less than TLS_CERT_RENEW_DAYS
 * remain. */
#define TLS_CERT_VALID_YEARS    10
#define TLS_CERT_RENEW_DAYS     30
/* RSA modulus of a user-provided key, in bits (BearSSL's own maximum is
 * 4096, BR_MAX_RSA_SIZE). */
#define TLS_RSA_MIN_BITS        2048
#define TLS_RSA_MAX_BITS        4096
/* Per-connection engine buffers, full duplex: the input buffer takes any
 * record a peer may send (BR_SSL_BUFSIZE_INPUT, 16 KiB of data + 325);
 * the output buffer holds one outgoing record of up to 16 KiB of data
 * (BR_SSL_BUFSIZE_OUTPUT).  A smaller output buffer (at least 512 + 85)
 * still works, with smaller records: less memory, less throughput.  On
 * loopback with curl, AES-128-GCM: 16 KiB records ~1,000 MB/s, 8 KiB
 * ~840, 4 KiB ~640 (ChaCha20: 410, 310, 190). */
#define TLS_CONN_INPUT_BUF      (16384 + 325)
#define TLS_CONN_OUTPUT_BUF     (16384 + 85)
/* Bytes of one error message (a file name included). */
#define TLS_MAX_ERROR           512

/* ---- who boots (services/clients) ---- */

/* Client rules (client = ..., the clients file), boot-once records kept,
 * and the bytes of an entry or a name in a rule. */
#define CLIENTS_MAX_RULES       4096
#define CLIENTS_MAX_DONE        4096
#define CLIENTS_MAX_FIELD       64
/* A menu entry named in a boot URL (?entry=ISONAME:N, a reservation's or
 * a client rule's): at most this long, [A-Za-z0-9._:-] only. */
#define MENU_MAX_ENTRY          48
/* Bytes of the clients file read, and of one of its lines. */
#define CLIENTS_MAX_FILE        (1024u * 1024)
#define CLIENTS_MAX_LINE        512

/* ---- the served file tree (services/vfs) ---- */

/* ISOs served from one tree (a directory's *.iso beyond this are left out). */
#define VFS_MAX_ISOS            128

/* ---- DHCP and proxyDHCP server (services/dhcp) ---- */

/* Bytes of one DHCP message received or sent.  Larger datagrams (they
 * would be IP fragments on Ethernet) are dropped; clients send 300-600. */
#define DHCP_MAX_PACKET         1500
/* Option instances walked in one message (pad bytes excluded); a 1500-
 * byte message holds at most ~750.  More and the message is dropped. */
#define DHCP_MAX_OPTION_INSTANCES 512
/* Addresses in the pool (a /16 holds 65,534). */
#define DHCP_MAX_POOL           65536
/* An offered address is held for the client this long (seconds). */
#define DHCP_OFFER_HOLD_S       30
/* A DECLINEd or ARP-answered address is not offered again for this long. */
#define DHCP_QUARANTINE_S       600
/* ARP probe before offering a new address: wait this long for an answer
 * (ms), probe at most this many addresses at once (more DISCOVERs are
 * dropped; the clients retry), and try at most this many candidates for
 * one DISCOVER. */
#define DHCP_ARP_PROBE_MS       250
#define DHCP_MAX_PROBES         4096
#define DHCP_MAX_PROBE_TRIES    4
/* An address probed free is not probed again for this long (seconds). */
#define DHCP_PROBE_VALID_S      60
/* Group commit: ACKs wait for the journal's fdatasync at most this long
 * (ms), and at most this many wait (then the sync happens at once). */
#define DHCP_SYNC_DELAY_MS      4
#define DHCP_MAX_PENDING_ACKS   512
/* A lease journal line, and the journal read at start-up. */
#define DHCP_MAX_JOURNAL_LINE   128
#define DHCP_MAX_JOURNAL_BYTES  (256u * 1024 * 1024)
/* The journal is rewritten (compacted) when it holds this many more
 * records than live leases. */
#define DHCP_COMPACT_SLACK      20000
/* auto mode: listen for another DHCP server this long at start (ms), and
 * probe again this often (seconds) while serving addresses. */
#define DHCP_AUTO_PROBE_MS      3000
#define DHCP_REPROBE_S          60
/* proxy: the interface's addresses are read again at most this often
 * (ms) to point boot information at the right one. */
#define DHCP_PROXY_ADDR_MS      2000
/* NTP: a request is read into this many bytes (the 48-byte header and
 * room to see that a longer one is longer), this many per loop turn. */
#define NTP_MAX_REQUEST         1024
#define NTP_REQUESTS_PER_TURN   64
/* The link is looked at this often (ms): a cable moved to another
 * network is noticed within it. */
#define DHCP_LINK_POLL_MS       1000
/* Other PXE boot servers remembered (to warn about them). */
#define DHCP_MAX_OTHER_SERVERS  4
/* Receive buffer of each DHCP socket (bytes): ~10,000 requests queue up
 * while the loop waits on a journal sync. */
#define DHCP_SOCKET_BUFFER      (4 * 1024 * 1024)
/* Datagrams read per socket per loop turn (then other work runs). */
#define DHCP_RECV_PER_TURN      64
/* Log lines about bad packets: at most this many per minute; about
 * clients (leases, boot decisions): at most this many per second. */
#define DHCP_MAX_DROP_LOGS      20
#define DHCP_MAX_EVENT_LOGS     50
/* Router advertisements answering router solicitations (authoritative
 * mode only): at most this many per second in all, and at most one to
 * ff02::1 per DHCP_RA_MULTICAST_MS (RFC 4861 10: MIN_DELAY_BETWEEN_RAS). */
#define DHCP_RA_MAX_PER_S       10
#define DHCP_RA_MULTICAST_MS    3000

/* ---- TFTP server (services/tftp) ---- */

/* Bytes of a request (RRQ/WRQ) we read; a larger datagram is refused.
 * RFC 2347 asks clients to keep a request with options within 512 bytes;
 * iPXE's and PXE ROMs' are under 100. */
#define TFTP_MAX_REQUEST        1024
/* Option pairs looked at in one request; the rest are ignored. */
#define TFTP_MAX_OPTIONS        16
/* Block sizes (RFC 2348): a request below the minimum is ignored (512 is
 * used), above the maximum it is clamped -- and then clamped again to the
 * route's MTU minus the IP, UDP and TFTP headers, so no block fragments. */
#define TFTP_MIN_BLKSIZE        8
#define TFTP_MAX_BLKSIZE        65464
/* Blocks in flight per ACK (RFC 7440 windowsize); a larger request is
 * answered with this.  The window is also the transfer's buffer: its
 * bytes (windowsize x blksize) are capped too, so 128 transfers with
 * 64 KiB blocks stay within 128 x 1 MiB. */
#define TFTP_MAX_WINDOWSIZE     64
#define TFTP_MAX_WINDOW_BYTES   (1024u * 1024)
/* Bytes read from the file at once per transfer (one read serves many
 * small blocks; with 64 KiB blocks, one block is read at a time). */
#define TFTP_READ_AHEAD         (64u * 1024)
/* Retransmission timeout: the first guess, then SRTT + 4 RTTVAR measured
 * on the transfer (RFC 6298, Karn's rule) within [MIN, MAX]; doubled on
 * each timeout up to MAX, back to the estimate on progress.  A LAN's RTT
 * is well under a millisecond: MIN only absorbs scheduling jitter.  A
 * client's "timeout" option (RFC 2349, 1-255 s) replaces all of this with
 * its fixed value. */
#define TFTP_RTO_INITIAL_MS     500
#define TFTP_RTO_MIN_MS         20
#define TFTP_RTO_MAX_MS         4000
/* Timeouts in a row without progress before a transfer is given up:
 * with the backoff, 20 s or more of silence.  Fewer would end transfers
 * on a merely lossy link: at 20% loss each way a round trip fails 36% of
 * the time, and 8 failures in a row then happen about once per 3,500
 * blocks; 12 in a row once per 200,000. */
#define TFTP_MAX_RETRIES        12
/* Requests read from the listening socket per loop turn. */
#define TFTP_REQUESTS_PER_TURN  64
/* ACK/ERROR datagrams read from one transfer's socket per loop turn. */
#define TFTP_ACKS_PER_TURN      64
/* Bytes of an error message we send or log from a peer. */
#define TFTP_MAX_ERROR_MSG      128

/* ---- client status: /status, /status.json, the status socket (services/status) ---- */

/* Clients followed at once; when the table is full, the client idle the
 * longest is forgotten first (a room of machines is tens to hundreds). */
#define STATUS_MAX_CLIENTS      512
/* Bytes of a request's path kept to classify and show it. */
#define STATUS_MAX_PATH         1024
/* A client whose root image arrived this long ago (ms) without fetching
 * script.cfg is flagged on /status (its live system lost the download). */
#define STATUS_SCRIPT_WAIT_MS   60000
/* A UEFI firmware starts a boot file it fetched within a second or two;
 * one that does not in this long refused it (Secure Boot). */
#define STATUS_SECUREBOOT_WAIT_MS 20000
/* Proxy mode: a machine that took our offer asks for its boot file within
 * a second or two; one offered this long ago (ms) that never came is not
 * shown (another boot server answered it, or it cannot reach us: counted
 * on /status).  Its firmware's offer still tells its iPXE apart this
 * long (STATUS_ELSEWHERE_MS). */
#define STATUS_PENDING_MS       30000
#define STATUS_ELSEWHERE_MS     600000
/* Recent events kept (phase changes, errors) for the log view. */
#define STATUS_MAX_EVENTS       64
/* An address learnt from DHCP or ARP is trusted this long (ms) before the
 * neighbour table is read again for a request from it. */
#define STATUS_ADDR_TRUST_MS    10000
/* Bytes of the neighbour table (/proc/net/arp) read to find one MAC. */
#define STATUS_MAX_ARP_BYTES    (8u * 1024 * 1024)
/* SSH reachability check of a client that fetched script.cfg: first try
 * after this long, then every STATUS_SSH_RETRY_MS, at most this many tries
 * (3 minutes), each given STATUS_SSH_TIMEOUT_MS for connect and banner;
 * at most STATUS_MAX_SSH_PROBES at once.  The banner kept is cut. */
#define STATUS_SSH_FIRST_MS     2000
#define STATUS_SSH_RETRY_MS     5000
#define STATUS_SSH_TRIES        36
#define STATUS_SSH_TIMEOUT_MS   3000
#define STATUS_MAX_SSH_PROBES   16
#define STATUS_MAX_BANNER       64
/* The status socket: connections at once (more are closed at once), the
 * request line (one short line: "json", "text", "top COLS ROWS VIEW"),
 * and the time a connection may take to send it and read the reply. */
#define STATUS_MAX_SOCK_CONNS   8
#define STATUS_MAX_REQUEST      64
#define STATUS_SOCK_TIMEOUT_MS  5000
/* Terminal size `pxestick top` may ask a screen for. */
#define STATUS_MAX_COLS         300
#define STATUS_MAX_ROWS         200

/* ---- the stick's partition table (services/stick) ---- */

/* Bytes of a GPT partition entry array read and rewritten.  sfdisk, gdisk
 * and parted write 128 entries of 128 bytes (16 KiB); the UEFI spec asks
 * for at least that.  A header claiming more is refused, not read. */
#define STICK_GPT_MAX_ENTRIES_BYTES (64u * 1024)
/* Bytes of one entry: 128 x 2^n (UEFI 2.10, 5.3.2); nobody writes more
 * than 128. */
#define STICK_GPT_MAX_ENTRY_SIZE 4096u

#endif
