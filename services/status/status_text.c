/*
 * Text renderings of the table: `pxestick status` (a report for people
 * and scripts) and `pxestick top` (one screen, redrawn by the client).
 * Plain ASCII: anything else in a name becomes '?', so no byte from a
 * peer or a file name can move the cursor or change the terminal.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "status/status.h"

#define SGR_RESET   "\033[0m"
#define SGR_HEAD    "\033[7m"
#define SGR_RED     "\033[1;31m"
#define SGR_GREEN   "\033[32m"
#define SGR_CYAN    "\033[36m"
#define SGR_DIM     "\033[2m"

/* s as printable ASCII, cut or padded to exactly w columns. */
static void
cell(struct buf *b, const char *s, size_t w)
{
	char tmp[STATUS_MAX_COLS + 1];
	size_t i = 0;

	if (w > STATUS_MAX_COLS)
		w = STATUS_MAX_COLS;
	for (; s != NULL && s[i] != '\0' && i < w; i++) {
		unsigned char ch = (unsigned char)s[i];

		tmp[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	for (; i < w; i++)
		tmp[i] = ' ';
	buf_append(b, tmp, w);
}

/* s whole, as printable ASCII (the report has no width to keep). */
static void
plain(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		buf_append(b, ch >= 0x20 && ch < 0x7f ? s : "?", 1);
	}
}

static void
sgr(struct buf *b, int color, const char *code)
{
	if (color)
		buf_puts(b, code);
}

static char *
fmt_rate(uint64_t r, char *out, size_t size)
{
	char n[32];

	if (r == 0)
		snprintf(out, size, "-");
	else
		snprintf(out, size, "%s/s", status_fmt_bytes(r, n, sizeof(n)));
	return out;
}

static char *
fmt_clock(int64_t t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL || strftime(out, size, "%H:%M:%S", &tm) == 0)
		snprintf(out, size, "--:--:--");
	return out;
}

/* What a client is doing, in words, when no progress bar says it. */
static char *
client_note(const struct status_client *c, char *out, size_t size)
{
	if (c->error[0] != '\0')
		snprintf(out, size, "! %s", c->error);
	else if (c->result[0] != '\0')
		snprintf(out, size, "reported: %s", c->result);
	else if (c->turned_away && c->phase < STATUS_PHASE_KERNEL)
		snprintf(out, size, "%s", c->policy);
	else if (c->ssh == STATUS_SSH_UP)
		snprintf(out, size, "ssh up: %s", c->ssh_banner);
	else if (c->ssh == STATUS_SSH_WAITING || c->ssh == STATUS_SSH_PROBING)
		snprintf(out, size, "live; waiting for sshd (%u tries)", c->ssh_tries);
	else if (c->ssh == STATUS_SSH_GAVE_UP)
		snprintf(out, size, "live; sshd does not answer");
	else if (c->phase >= STATUS_PHASE_LIVE)
		snprintf(out, size, "live system up");
	else
		snprintf(out, size, "%s", status_phase_title(c->phase));
	return out;
}

static int
shows_bar(const struct status_client *c)
{
	return c->error[0] == '\0' && c->phase < STATUS_PHASE_LIVE &&
	    c->dl.state != STATUS_DL_NONE;
}

/* "[#####.....]  45%" in exactly w columns (w >= 8). */
static void
bar(struct buf *b, const struct status_download *d, size_t w)
{
	char tmp[STATUS_MAX_COLS + 1];
	size_t inner = w - 7, fill;
	unsigned pct = d->total > 0 ? (unsigned)(d->done * 100 / d->total) : 0;

	if (w > STATUS_MAX_COLS)
		inner = STATUS_MAX_COLS - 7;
	fill = d->total > 0 ? (size_t)(d->done * inner / d->total) : 0;
	tmp[0] = '[';
	for (size_t i = 0; i < inner; i++)
		tmp[1 + i] = i < fill ? '#' : '.';
	snprintf(tmp + 1 + inner, sizeof(tmp) - 1 - inner, "] %3u%%", pct > 100 ? 100 : pct);
	buf_append(b, tmp, inner + 7);
}

static void
counts(const struct status *st, uint64_t now, size_t *n, size_t *live, size_t *errors)
{
	size_t idx[STATUS_MAX_CLIENTS];

	*n = status_order(st, idx, STATUS_MAX_CLIENTS, now);
	*live = *errors = 0;
	for (size_t i = 0; i < *n; i++) {
		const struct status_client *c = &st->c[idx[i]];

		*live += c->phase >= STATUS_PHASE_LIVE;
		*errors += c->error[0] != '\0';
	}
}

/* Proxy mode's machines that were offered a boot and never came here. */
static void
not_come(struct buf *out, const struct status *st, uint64_t now)
{
	size_t k = status_not_come(st, now);

	if (k > 0)
		buf_printf(out, "          %zu more got this server's offer and never came for "
		    "the boot file (another boot server answered them, or they cannot reach "
		    "this one)\n", k);
}

static void
serving(struct buf *b, const struct status_info *in)
{
	const char *sep = "";

	if (in->http_port) {
		buf_printf(b, "http :%u", in->http_port);
		sep = ", ";
	}
	if (in->https_port) {
		buf_printf(b, "%shttps :%u", sep, in->https_port);
		sep = ", ";
	}
	if (in->tftp_port) {
		buf_printf(b, "%stftp :%u", sep, in->tftp_port);
		sep = ", ";
	}
	buf_printf(b, "%sdhcp %s", sep, in->dhcp[0] ? in->dhcp : "off");
	if (in->policy[0])
		buf_printf(b, "; %s", in->policy);
}

/* ---- pxestick status ---- */

void
status_text(const struct status *st, const struct status_info *in, uint64_t now,
    struct buf *out)
{
	size_t idx[STATUS_MAX_CLIENTS], n, live, errors;
	char up[32], t[32];
	struct buf line;

	buf_init(&line);
	buf_puts(&line, "pxestick: ");
	for (size_t i = 0; i < in->n_addrs; i++)
		buf_printf(&line, "%s%s", i ? " " : "", in->addrs[i]);
	if (in->n_addrs == 0)
		buf_puts(&line, "(no address)");
	buf_puts(&line, " (");
	serving(&line, in);
	buf_printf(&line, "), up %s, %s", status_fmt_age(now - in->started, up, sizeof(up)),
	    fmt_clock(in->wall, t, sizeof(t)));
	plain(out, line.data);
	buf_puts(out, "\n");
	buf_free(&line);
	for (size_t i = 0; i < in->n_warnings; i++) {
		buf_puts(out, "WARNING:  ");
		plain(out, in->warnings[i]);
		buf_puts(out, "\n");
	}
	if (in->n_isos == 0)
		buf_puts(out, "ISO:      none served\n");
	for (size_t i = 0; i < in->n_isos; i++) {
		buf_puts(out, "ISO:      ");
		plain(out, in->isos[i].name);
		if (in->isos[i].verifying) {
			buf_printf(out, ": new, being checked (%llu of %llu MB), served once it "
			    "passes\n", (unsigned long long)(in->isos[i].done / 1000000),
			    (unsigned long long)(in->isos[i].total / 1000000));
			continue;
		}
		buf_printf(out, ": verified, %zu boot entr%s%s, clients need %u MiB RAM\n",
		    in->isos[i].entries, in->isos[i].entries == 1 ? "y" : "ies",
		    in->isos[i].signed_ ? ", signed" : "", in->isos[i].ram_mib);
		if (in->isos[i].payload != NULL && in->isos[i].payload[0] != '\0') {
			buf_puts(out, "          clients load its files from ");
			plain(out, in->isos[i].payload);
			buf_puts(out, " (downloads there are not seen here)\n");
		} else if (in->isos[i].payload_note != NULL && in->isos[i].payload_note[0] != '\0') {
			buf_puts(out, "          from here: ");
			plain(out, in->isos[i].payload_note);
			buf_puts(out, "\n");
		}
	}
	for (size_t i = 0; i < in->n_refused; i++) {
		buf_puts(out, "refused:  ");
		plain(out, in->refused[i].path);
		buf_puts(out, ": ");
		plain(out, in->refused[i].reason);
		buf_puts(out, "\n");
	}
	if (in->script_reason == NULL) {
		buf_printf(out, "keys:     %zu SSH key%s in script.cfg\n", in->n_keys,
		    in->n_keys == 1 ? "" : "s");
	} else {
		buf_puts(out, "keys:     none: script.cfg is not served: ");
		plain(out, in->script_reason);
		buf_puts(out, "\n");
	}
	counts(st, now, &n, &live, &errors);
	buf_printf(out, "clients:  %zu (%zu live, %zu booting, %zu with an error)\n", n, live,
	    n - live, errors);
	not_come(out, st, now);
	n = status_order(st, idx, STATUS_MAX_CLIENTS, now);
	if (n == 0)
		return;
	buf_printf(out, "\n%-17s  %-15s  %-6s  %-44s  %-11s  %s\n", "MAC", "ADDRESS", "PHASE",
	    "PROGRESS", "RATE", "SEEN");
	for (size_t i = 0; i < n; i++) {
		const struct status_client *c = &st->c[idx[i]];
		char name[64], addr[64], note[200], rate[32], seen[32], d[32], tot[32];

		cell(out, c->has_mac ? status_client_name(c, name, sizeof(name)) : "-", 17);
		buf_puts(out, "  ");
		cell(out, c->addr.family ? status_addr_str(&c->addr, addr, sizeof(addr)) : "-", 15);
		buf_puts(out, "  ");
		cell(out, status_phase_name(c->phase), 6);
		buf_puts(out, "  ");
		if (shows_bar(c)) {
			snprintf(note, sizeof(note), "%s %s/%s", c->dl.file,
			    status_fmt_bytes(c->dl.done, d, sizeof(d)),
			    status_fmt_bytes(c->dl.total, tot, sizeof(tot)));
			cell(out, note, 34);
			bar(out, &c->dl, 10);
		} else {
			client_note(c, note, sizeof(note));
			cell(out, note, 44);
		}
		buf_puts(out, "  ");
		cell(out, fmt_rate(shows_bar(c) ? status_dl_rate(&c->dl, now) : 0, rate,
		    sizeof(rate)), 11);
		buf_printf(out, "  %s ago\n", status_fmt_age(now - c->last_seen, seen, sizeof(seen)));
		if (c->error[0] != '\0' && strlen(c->error) + 2 > 44) {
			buf_puts(out, "  error: ");
			plain(out, c->error);
			buf_puts(out, "\n");
		}
	}
}

/* ---- pxestick top ---- */

/* Header: lines 1-4, each exactly cols wide. */
#define SCREEN_HEADER 4
static void
screen_header(struct buf *out, const struct status *st, const struct status_info *in,
    uint64_t now, unsigned cols, int color)
{
	size_t n, live, errors;
	char up[32], t[32], right[64];
	struct buf l;

	buf_init(&l);
	buf_puts(&l, " pxestick ");
	for (size_t i = 0; i < in->n_addrs && i < 3; i++)
		buf_printf(&l, " %s", in->addrs[i]);
	if (in->n_addrs == 0)
		buf_puts(&l, " (no address)");
	snprintf(right, sizeof(right), "up %s  %s ", status_fmt_age(now - in->started, up,
	    sizeof(up)), fmt_clock(in->wall, t, sizeof(t)));
	sgr(out, color, SGR_HEAD);
	if (strlen(right) + 20 <= cols) {
		cell(out, l.data, cols - strlen(right));
		buf_puts(out, right);
	} else {
		cell(out, l.data, cols);
	}
	sgr(out, color, SGR_RESET);
	buf_puts(out, "\n");
	buf_free(&l);

	buf_init(&l);
	buf_puts(&l, " serving: ");
	serving(&l, in);
	cell(out, l.data, cols);
	buf_puts(out, "\n");
	buf_free(&l);

	buf_init(&l);
	buf_puts(&l, " ISOs:");
	for (size_t i = 0; i < in->n_isos; i++)
		buf_printf(&l, " %s", in->isos[i].name);
	if (in->n_isos == 0)
		buf_puts(&l, " NONE");
	if (in->n_refused > 0)
		buf_printf(&l, "  (%zu refused)", in->n_refused);
	if (in->script_reason == NULL)
		buf_printf(&l, "   keys: %zu", in->n_keys);
	else
		buf_puts(&l, "   keys: NONE (no SSH login)");
	if (in->n_warnings > 0)
		buf_printf(&l, "   WARNING: %s", in->warnings[0]);
	sgr(out, color, in->n_isos == 0 || in->n_refused > 0 || in->script_reason != NULL ||
	    in->n_warnings > 0 ? SGR_RED : "");
	cell(out, l.data, cols);
	sgr(out, color, SGR_RESET);
	buf_puts(out, "\n");
	buf_free(&l);

	counts(st, now, &n, &live, &errors);
	buf_init(&l);
	buf_printf(&l, " clients: %zu   live: %zu   booting: %zu   errors: %zu", n, live,
	    n - live, errors);
	cell(out, l.data, cols);
	buf_puts(out, "\n");
	buf_free(&l);
}

/* "98.2M/s" (at most 8 columns). */
static char *
fmt_rate_short(uint64_t r, char *out, size_t size)
{
	static const char unit[] = "BKMGT";
	uint64_t scale = 1;
	size_t u = 0;

	if (r == 0) {
		snprintf(out, size, "-");
		return out;
	}
	while (u + 1 < sizeof(unit) - 1 && r >= scale * 1000) {
		scale *= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%lluB/s", (unsigned long long)r);
	else
		snprintf(out, size, "%llu.%llu%c/s", (unsigned long long)(r / scale),
		    (unsigned long long)(r % scale * 10 / scale), unit[u]);
	return out;
}

/* One client: name 17, address 15, phase 6, progress (the rest: a bar,
 * and on wide screens the file name), rate 8, seen 5. */
#define SCREEN_FIXED (17 + 1 + 15 + 1 + 6 + 1 + 1 + 8 + 1 + 5)

static void
screen_client(struct buf *out, const struct status_client *c, uint64_t now, unsigned cols,
    int color)
{
	size_t w;
	char name[64], addr[64], note[200], rate[32], seen[32];

	w = cols > SCREEN_FIXED + 10 ? cols - SCREEN_FIXED : 10;
	cell(out, c->has_mac ? status_client_name(c, name, sizeof(name)) : "-", 17);
	buf_puts(out, " ");
	cell(out, c->addr.family ? status_addr_str(&c->addr, addr, sizeof(addr)) : "-", 15);
	buf_puts(out, " ");
	sgr(out, color, c->error[0] ? SGR_RED : c->phase >= STATUS_PHASE_LIVE ? SGR_GREEN :
	    c->active ? SGR_CYAN : "");
	cell(out, status_phase_name(c->phase), 6);
	sgr(out, color, SGR_RESET);
	buf_puts(out, " ");
	if (shows_bar(c)) {
		if (w >= 44) {
			cell(out, c->dl.file, w - 31);
			buf_puts(out, " ");
			bar(out, &c->dl, 30);
		} else {
			bar(out, &c->dl, w);
		}
	} else {
		sgr(out, color, c->error[0] ? SGR_RED : "");
		cell(out, client_note(c, note, sizeof(note)), w);
		sgr(out, color, SGR_RESET);
	}
	buf_puts(out, " ");
	snprintf(note, sizeof(note), "%8s", fmt_rate_short(shows_bar(c) ?
	    status_dl_rate(&c->dl, now) : 0, rate, sizeof(rate)));
	cell(out, note, 8);
	buf_puts(out, " ");
	snprintf(note, sizeof(note), "%5s", status_fmt_age(now - c->last_seen, seen,
	    sizeof(seen)));
	cell(out, note, 5);
}

void
status_screen(const struct status *st, const struct status_info *in, uint64_t now,
    unsigned cols, unsigned rows, enum status_view view, int color, struct buf *out)
{
	size_t idx[STATUS_MAX_CLIENTS], n, room, shown = 0;
	unsigned line = 0;

	if (cols < 40)
		cols = 40;
	if (cols > STATUS_MAX_COLS)
		cols = STATUS_MAX_COLS;
	if (rows < 8)
		rows = 8;
	if (rows > STATUS_MAX_ROWS)
		rows = STATUS_MAX_ROWS;
	screen_header(out, st, in, now, cols, color);
	line = SCREEN_HEADER;
	room = rows - line - 2; /* the column header and the footer */
	if (view == STATUS_VIEW_EVENTS) {
		size_t first = st->n_ev > room ? st->n_ev - room : 0;

		sgr(out, color, SGR_DIM);
		cell(out, "TIME     CLIENT             EVENT", cols);
		sgr(out, color, SGR_RESET);
		buf_puts(out, "\n");
		line++;
		for (size_t i = first; i < st->n_ev; i++) {
			const struct status_event *e =
			    &st->ev[(st->ev_next + STATUS_MAX_EVENTS - st->n_ev + i) % STATUS_MAX_EVENTS];
			char t[32], l[256];

			snprintf(l, sizeof(l), "%s %-18s %s", fmt_clock(in->wall -
			    (int64_t)((now - e->at) / 1000), t, sizeof(t)), e->who, e->msg);
			cell(out, l, cols);
			buf_puts(out, "\n");
			line++;
		}
		if (st->n_ev == 0) {
			cell(out, " (no events yet)", cols);
			buf_puts(out, "\n");
			line++;
		}
	} else {
		sgr(out, color, SGR_DIM);
		cell(out, "MAC               ADDRESS         PHASE  PROGRESS", cols - 15);
		cell(out, "    RATE  SEEN", 15);
		sgr(out, color, SGR_RESET);
		buf_puts(out, "\n");
		line++;
		n = status_order(st, idx, STATUS_MAX_CLIENTS, now);
		for (size_t i = 0; i < n && shown < room; i++) {
			/* the newest clients are the ones to watch: when they do
			 * not fit, the oldest ones give way */
			size_t k = n > room ? n - room + i : i;

			if (k >= n)
				break;
			screen_client(out, &st->c[idx[k]], now, cols, color);
			buf_puts(out, "\n");
			line++;
			shown++;
		}
		if (n == 0) {
			cell(out, " no client yet: power on a machine with network boot (PXE)", cols);
			buf_puts(out, "\n");
			line++;
		}
	}
	while (line + 1 < rows) {
		cell(out, "", cols);
		buf_puts(out, "\n");
		line++;
	}
	{
		char f[128];
		size_t n_all, live, errors;

		counts(st, now, &n_all, &live, &errors);
		snprintf(f, sizeof(f), " q quit   l %s%s", view == STATUS_VIEW_EVENTS ?
		    "clients" : "log", view == STATUS_VIEW_CLIENTS && n_all > shown ?
		    "   (older clients above: see pxestick status)" : "");
		sgr(out, color, SGR_DIM);
		cell(out, f, cols);
		sgr(out, color, SGR_RESET);
		buf_puts(out, "\n");
	}
}
