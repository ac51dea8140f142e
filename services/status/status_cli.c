/*
 * `pxestick status` and `pxestick top`: clients of the running server's
 * status socket (STATE/pxestick.sock).  The server renders; these only
 * ask and show, so they work the same on a serial line and on tty1.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/args.h"
#include "common/buf.h"
#include "common/loop.h"
#include "common/util.h"
#include "status/status_cli.h"
#include "status/status_internal.h"

#define DEFAULT_LOG "/run/pxestick/pxestick.log"
/* The appliance runs the server with --state here (appliance/lib.sh):
 * with no --state given, it is looked at after the default. */
#define APPLIANCE_STATE "/run/pxestick/state"
#define QUERY_TIMEOUT_S 3
#define REPLY_MAX (16u * 1024 * 1024)
#define LOG_TAIL_BYTES (64u * 1024)

struct cli {
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const char *log;
	int json, color;
};

/* --state DIR, --socket PATH, --config FILE; the rest per command.
 * 0, or -1 after a message. */
static int
cli_args(const char *cmd, int argc, char **argv, struct cli *c, int top,
    status_state_fn *state_of)
{
	const char *state = NULL, *sock = NULL, *config = NULL;
	char err[512], dir[1024];

	memset(c, 0, sizeof(*c));
	c->color = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;

		if (strcmp(a, "--state") == 0 && has)
			state = argv[++i];
		else if (strcmp(a, "--socket") == 0 && has)
			sock = argv[++i];
		else if (strcmp(a, "--config") == 0 && has)
			config = argv[++i];
		else if (!top && strcmp(a, "--json") == 0)
			c->json = 1;
		else if (top && strcmp(a, "--log") == 0 && has)
			c->log = argv[++i];
		else if (top && strcmp(a, "--no-color") == 0)
			c->color = 0;
		else {
			static const char *const known[] = { "--state", "--socket", "--config",
				"--json", "--log", "--no-color", "--help" };
			const char *near = args_closest(a, known, ARRAY_LEN(known));

			fprintf(stderr, "pxestick %s: unknown argument '%s'%s%s%s (see --help)\n", cmd,
			    a, near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
			return -1;
		}
	}
	if (sock != NULL) {
		if (strlen(sock) >= sizeof(c->sock)) {
			fprintf(stderr, "pxestick %s: %s: path too long\n", cmd, sock);
			return -1;
		}
		snprintf(c->sock, sizeof(c->sock), "%s", sock);
		return 0;
	}
	if (state == NULL) {
		if (state_of(config, dir, sizeof(dir), err, sizeof(err)) != 0) {
			fprintf(stderr, "pxestick %s: %s\n", cmd, err);
			return -1;
		}
		if ((size_t)snprintf(c->sock, sizeof(c->sock), "%s", dir) >= sizeof(c->sock))
			c->sock[0] = '\0';
		if (config == NULL && access(c->sock, F_OK) != 0 &&
		    access(APPLIANCE_STATE "/" STATUS_SOCK_NAME, F_OK) == 0)
			snprintf(c->sock, sizeof(c->sock), "%s", APPLIANCE_STATE "/" STATUS_SOCK_NAME);
	} else if ((size_t)snprintf(c->sock, sizeof(c->sock), "%s/%s", state, STATUS_SOCK_NAME) >=
	    sizeof(c->sock)) {
		c->sock[0] = '\0';
	}
	if (c->sock[0] == '\0') {
		fprintf(stderr, "pxestick %s: the state directory's path is too long for a socket\n",
		    cmd);
		return -1;
	}
	return 0;
}

/* Ask the server; the whole reply in out.  0, or -1 with err. */
static int
query(const char *path, const char *req, struct buf *out, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct timeval tv = { QUERY_TIMEOUT_S, 0 };
	char chunk[16384];
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "cannot reach pxestick serve at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write_all(fd, req, strlen(req)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	out->max = REPLY_MAX;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, errno == EAGAIN ? "no answer in time" :
			    strerror(errno));
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	if (buf_failed(out)) {
		snprintf(err, errlen, "%s: the answer is too large", path);
		return -1;
	}
	if (out->len >= 7 && memcmp(out->data, "error: ", 7) == 0) {
		snprintf(err, errlen, "the server says: %.*s", (int)strcspn(out->data + 7, "\n"),
		    out->data + 7);
		return -1;
	}
	return 0;
}

/* ---- pxestick status ---- */

static const char status_usage[] =
    "usage: pxestick status [--json] [--state DIR | --config FILE | --socket PATH]\n"
    "\n"
    "Report what the running `pxestick serve` sees: its addresses, ISOs, keys and\n"
    "every client it follows, with phase and download progress.  --json prints\n"
    "the document /status.json serves (docs/STATUS.md).  The server is reached\n"
    "through its control socket: --socket, else STATE/pxestick.sock for --state,\n"
    "else the config's `socket` (default config: /etc/pxestick/pxestick.conf),\n"
    "else /var/lib/pxestick's or the appliance's " APPLIANCE_STATE ").\n"
    "Exit status: 0, 1 when the server cannot be reached, 2 on a usage error.\n";

int
status_cli_main(int argc, char **argv, status_state_fn *state_of)
{
	struct cli c;
	struct buf out;
	char err[512];

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(status_usage, stdout);
			return 0;
		}
	if (cli_args("status", argc, argv, &c, 0, state_of) != 0)
		return 2;
	buf_init(&out);
	if (query(c.sock, c.json ? "json\n" : "text\n", &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick status: %s\n", err);
		buf_free(&out);
		return 1;
	}
	if (out.len > 0 && write_all(STDOUT_FILENO, out.data, out.len) != 0) {
		buf_free(&out);
		return 1;
	}
	buf_free(&out);
	return 0;
}

/* ---- pxestick clients ---- */

static const char clients_usage[] =
    "usage: pxestick clients [--state DIR | --config FILE | --socket PATH]\n"
    "       pxestick clients [...] reset MAC\n"
    "       pxestick clients [...] forget MAC\n"
    "\n"
    "List the machines the running `pxestick serve` knows: each client rule\n"
    "(`client =` lines and the clients file) with what it gets, the policy for\n"
    "machines with no rule, and the boot-once records (a machine that reached\n"
    "the live system boots its local disk next).  reset MAC removes MAC's\n"
    "boot-once record: its next network boot shows the menu again.  forget MAC\n"
    "also drops it from the clients /status lists.  The server is found as\n"
    "`pxestick status` finds it.\n"
    "Exit status: 0, 1 when the server cannot be reached or refuses, 2 on a\n"
    "usage error.\n";

int
clients_cli_main(int argc, char **argv, status_state_fn *state_of)
{
	struct cli c;
	struct buf out;
	char err[512], req[64];
	int opts = argc, rc = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(clients_usage, stdout);
			return 0;
		}
	/* Options first, then the action: "reset MAC" or "forget MAC". */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "reset") == 0 || strcmp(argv[i], "forget") == 0) {
			opts = i;
			break;
		}
	if (opts == argc)
		snprintf(req, sizeof(req), "clients\n");
	else if (opts + 2 != argc || strlen(argv[opts + 1]) != 17) {
		fprintf(stderr, "pxestick clients: %s needs one MAC address (aa:bb:cc:dd:ee:ff)\n",
		    argv[opts]);
		return 2;
	} else
		snprintf(req, sizeof(req), "%s %s\n", argv[opts], argv[opts + 1]);
	if (cli_args("clients", opts, argv, &c, 0, state_of) != 0 || c.json) {
		if (c.json)
			fprintf(stderr, "pxestick clients: no --json (see pxestick status --json)\n");
		return 2;
	}
	buf_init(&out);
	if (query(c.sock, req, &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick clients: %s\n", err);
		rc = 1;
	} else if (out.len > 0 && write_all(STDOUT_FILENO, out.data, out.len) != 0) {
		rc = 1;
	}
	buf_free(&out);
	return rc;
}

/* ---- pxestick support ---- */

static const char support_usage[] =
    "usage: pxestick support [--state DIR | --config FILE | --socket PATH] > FILE.tar.gz\n"
    "\n"
    "Write the running `pxestick serve`'s support bundle to standard output:\n"
    "the recent log, the boot log (appliance), the effective settings (the TLS\n"
    "key's path left out), status.json, the DHCP leases, the ISO verdicts and\n"
    "the boot-once records, as a .tar.gz -- the same file /support.tar.gz\n"
    "serves.  No private key is ever in it.  The server is found as `pxestick\n"
    "status` finds it.\n"
    "Exit status: 0, 1 when the server cannot be reached, 2 on a usage error\n"
    "(standard output is a terminal).\n";

int
support_cli_main(int argc, char **argv, status_state_fn *state_of)
{
	struct cli c;
	struct buf out;
	char err[512];
	int rc = 0;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(support_usage, stdout);
			return 0;
		}
	if (cli_args("support", argc, argv, &c, 0, state_of) != 0 || c.json) {
		if (c.json)
			fprintf(stderr, "pxestick support: no --json (the bundle holds status.json)\n");
		return 2;
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "pxestick support: the bundle is binary: pxestick support > "
		    "support.tar.gz\n");
		return 2;
	}
	buf_init(&out);
	if (query(c.sock, "support\n", &out, err, sizeof(err)) != 0) {
		fprintf(stderr, "pxestick support: %s\n", err);
		rc = 1;
	} else if (out.len > 0 && write_all(STDOUT_FILENO, out.data, out.len) != 0) {
		fprintf(stderr, "pxestick support: standard output: %s\n", strerror(errno));
		rc = 1;
	}
	buf_free(&out);
	return rc;
}

/* ---- pxestick top ---- */

static const char top_usage[] =
    "usage: pxestick top [--state DIR | --config FILE | --socket PATH] [--log FILE]\n"
    "                    [--no-color]\n"
    "\n"
    "A full-screen dashboard of the running `pxestick serve`, redrawn every second:\n"
    "the appliance's address and mode, its ISOs and keys, one line per client with\n"
    "its phase and a progress bar.  Keys: q quits, l switches to the log and\n"
    "back: the end of --log FILE (default " DEFAULT_LOG ",\n"
    "when it exists), else the server's recent events.  Made for an 80x25\n"
    "console; any size works.  The server is found as `pxestick status` finds it.\n";

static volatile sig_atomic_t got_quit, got_winch;

static void
on_quit(int sig)
{
	(void)sig;
	got_quit = 1;
}

static void
on_winch(int sig)
{
	(void)sig;
	got_winch = 1;
}

struct term {
	int tty;                /* stdin is a terminal we changed */
	struct termios saved;
};

static void
term_enter(struct term *t)
{
	struct termios raw;
	static const char enter[] = "\033[?1049h\033[?25l\033[H\033[2J";

	t->tty = 0;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t->saved) == 0) {
		raw = t->saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			t->tty = 1;
	}
	(void)write_all(STDOUT_FILENO, enter, sizeof(enter) - 1);
}

static void
term_leave(struct term *t)
{
	static const char leave[] = "\033[0m\033[H\033[2J\033[?25h\033[?1049l";

	(void)write_all(STDOUT_FILENO, leave, sizeof(leave) - 1);
	if (t->tty)
		(void)tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
}

static void
term_size(unsigned *cols, unsigned *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 25;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
	if (*cols > STATUS_MAX_COLS)
		*cols = STATUS_MAX_COLS;
	if (*rows > STATUS_MAX_ROWS)
		*rows = STATUS_MAX_ROWS;
}

/* One line of text as printable ASCII, cut or padded to cols. */
static void
put_line(struct buf *b, const char *s, size_t len, unsigned cols)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < cols; i++) {
		unsigned char ch = (unsigned char)s[i];

		buf_append(b, ch == '\t' ? " " : ch >= 0x20 && ch < 0x7f ? (const char *)&s[i] :
		    "?", 1);
		n++;
	}
	for (; n < cols; n++)
		buf_append(b, " ", 1);
	buf_append(b, "\n", 1);
}

/* The log view from a file: its last lines under a title line. */
static void
render_log_file(const char *path, unsigned cols, unsigned rows, int color, struct buf *scr)
{
	char title[256], *text = NULL;
	size_t want = rows - 2, len = 0, lines = 0, skip, shown = 0, i = 0;
	struct stat st;
	off_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	snprintf(title, sizeof(title), " pxestick log: %s", path);
	if (color)
		buf_puts(scr, "\033[7m");
	put_line(scr, title, strlen(title), cols);
	scr->len--; /* the newline goes after the reset */
	if (color)
		buf_puts(scr, "\033[0m");
	buf_append(scr, "\n", 1);
	if (fd >= 0 && fstat(fd, &st) == 0 && (text = malloc(LOG_TAIL_BYTES)) != NULL) {
		ssize_t r;

		off = st.st_size > (off_t)LOG_TAIL_BYTES ? st.st_size - LOG_TAIL_BYTES : 0;
		r = pread(fd, text, LOG_TAIL_BYTES, off);
		len = r > 0 ? (size_t)r : 0;
	}
	if (fd >= 0)
		close(fd);
	for (size_t k = 0; k < len; k++)
		lines += text[k] == '\n';
	if (len > 0 && text[len - 1] != '\n')
		lines++;
	/* The last `want` lines (a first line cut by the read is dropped). */
	skip = lines > want ? lines - want : off > 0;
	while (i < len && shown < want) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl != NULL ? (size_t)(nl - (text + i)) : len - i;

		if (skip > 0)
			skip--;
		else
			put_line(scr, text + i, l, cols), shown++;
		i += l + 1;
	}
	if (fd < 0 && shown < want) {
		put_line(scr, " (cannot open the log file)", 27, cols);
		shown++;
	}
	for (; shown < want; shown++)
		put_line(scr, "", 0, cols);
	put_line(scr, " q quit   l clients", 19, cols);
	free(text);
}

static void
render_error(const char *msg, unsigned cols, unsigned rows, struct buf *scr)
{
	static const char hint[] = " (retrying every second; q quits)";

	put_line(scr, " pxestick top", 13, cols);
	put_line(scr, "", 0, cols);
	put_line(scr, msg, strlen(msg), cols);
	put_line(scr, hint, sizeof(hint) - 1, cols);
	for (unsigned r = 4; r < rows; r++)
		put_line(scr, "", 0, cols);
}

/* Paint a screen of rows lines: each line clears its rest, and the last
 * one has no newline (a newline on the last row would scroll). */
static void
paint(const struct buf *scr)
{
	struct buf o;
	size_t i = 0;

	buf_init(&o);
	buf_puts(&o, "\033[H");
	while (i < scr->len) {
		const char *nl = memchr(scr->data + i, '\n', scr->len - i);
		size_t l = nl != NULL ? (size_t)(nl - (scr->data + i)) : scr->len - i;

		buf_append(&o, scr->data + i, l);
		buf_puts(&o, "\033[K");
		i += l + 1;
		if (i < scr->len)
			buf_puts(&o, "\n");
	}
	buf_puts(&o, "\033[J");
	if (!buf_failed(&o))
		(void)write_all(STDOUT_FILENO, o.data, o.len);
	buf_free(&o);
}

int
top_cli_main(int argc, char **argv, status_state_fn *state_of)
{
	struct sigaction sa;
	struct term t;
	struct cli c;
	int in_fd = STDIN_FILENO, log_view = 0;
	const char *log;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(top_usage, stdout);
			return 0;
		}
	if (cli_args("top", argc, argv, &c, 1, state_of) != 0)
		return 2;
	log = c.log != NULL ? c.log : access(DEFAULT_LOG, R_OK) == 0 ? DEFAULT_LOG : NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_quit; /* no SA_RESTART: poll() returns at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	term_enter(&t);
	while (!got_quit) {
		struct buf scr;
		struct pollfd pfd;
		unsigned cols, rows;
		uint64_t next = loop_clock_ms() + 1000;
		char req[64], err[512];

		term_size(&cols, &rows);
		buf_init(&scr);
		if (log_view && log != NULL) {
			render_log_file(log, cols, rows, c.color, &scr);
		} else {
			snprintf(req, sizeof(req), "top %u %u %s%s\n", cols, rows,
			    log_view ? "log" : "clients", c.color ? " color" : "");
			if (query(c.sock, req, &scr, err, sizeof(err)) != 0) {
				buf_free(&scr);
				render_error(err, cols, rows, &scr);
			}
		}
		paint(&scr);
		buf_free(&scr);
		got_winch = 0;
		/* Keys until the next second (or a resize). */
		while (!got_quit && !got_winch) {
			uint64_t now = loop_clock_ms();
			char keys[32];
			ssize_t n;
			int r;

			if (now >= next)
				break;
			pfd.fd = in_fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			r = poll(&pfd, in_fd >= 0 ? 1 : 0, (int)(next - now));
			if (r <= 0)
				continue;
			n = read(in_fd, keys, sizeof(keys));
			if (n <= 0) {
				in_fd = -1; /* no more keys (not a terminal): run until a signal */
				continue;
			}
			for (ssize_t i = 0; i < n; i++) {
				if (keys[i] == 'q' || keys[i] == 'Q' || keys[i] == 3)
					got_quit = 1;
				else if (keys[i] == 'l' || keys[i] == 'L')
					log_view = !log_view, next = 0;
			}
		}
	}
	term_leave(&t);
	return 0;
}
