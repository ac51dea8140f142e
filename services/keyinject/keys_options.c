/*
 * authorized_keys options, as sshd parses them (OpenSSH auth-options.c,
 * sshauthopt_parse()): a comma-separated list without blanks outside
 * double quotes; names compare without case; flags may take "no-" where
 * sshd allows it; values are "..." where \" stands for a quote and every
 * other byte, backslash included, stands for itself.  The values sshd
 * itself checks at parse time (expiry-time, environment, permitopen,
 * permitlisten, tunnel) are checked the same way here, so a line we pass
 * is a line sshd takes.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "keyinject/keys_internal.h"

enum opt_value {
	OPT_FLAG,               /* no value */
	OPT_FLAG_NEG,           /* no value, "no-" allowed */
	OPT_ANY,                /* "value", not checked */
	OPT_ONCE,               /* "value", at most once per line */
	OPT_EXPIRY,
	OPT_ENV,
	OPT_PERMIT,             /* host:port */
	OPT_LISTEN,             /* [host:]port */
	OPT_TUNNEL
};

static const struct {
	const char *name;
	enum opt_value value;
} keys_opts[] = {
	{ "restrict", OPT_FLAG },
	{ "cert-authority", OPT_FLAG },
	{ "port-forwarding", OPT_FLAG_NEG },
	{ "agent-forwarding", OPT_FLAG_NEG },
	{ "x11-forwarding", OPT_FLAG_NEG },
	{ "touch-required", OPT_FLAG_NEG },
	{ "verify-required", OPT_FLAG_NEG },
	{ "pty", OPT_FLAG_NEG },
	{ "user-rc", OPT_FLAG_NEG },
	{ "command", OPT_ONCE },
	{ "principals", OPT_ONCE },
	{ "from", OPT_ANY },
	{ "expiry-time", OPT_EXPIRY },
	{ "environment", OPT_ENV },
	{ "permitopen", OPT_PERMIT },
	{ "permitlisten", OPT_LISTEN },
	{ "tunnel", OPT_TUNNEL },
};

struct opt_state {
	char *err;
	size_t errsize;
	unsigned seen_once;     /* bit i: keys_opts[i] (OPT_ONCE) seen */
};

static int
opt_fail(struct opt_state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
opt_fail(struct opt_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(st->err, st->errsize, fmt, ap);
	va_end(ap);
	return -1;
}

/* ASCII-only: tolower() on a negative char is undefined. */
static int
eq_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y)
			return 0;
	}
	return 1;
}

long
keys_options_span(const char *p, size_t len)
{
	int quoted = 0;
	size_t i;

	/* sshkey_advance_past_options(): \" never toggles, even unquoted. */
	for (i = 0; i < len && (quoted || (p[i] != ' ' && p[i] != '\t')); i++) {
		if (p[i] == '\\' && i + 1 < len && p[i + 1] == '"')
			i++;
		else if (p[i] == '"')
			quoted = !quoted;
	}
	if (quoted)
		return -1;
	return (long)i;
}

static int
all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return n > 0;
}

/* A decimal of n bytes in [lo, hi]; -1 when not. */
static long
decimal(const char *p, size_t n, long lo, long hi)
{
	char buf[16];
	uint64_t v;

	if (n == 0 || n >= sizeof(buf) || !all_digits(p, n))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (parse_u64(buf, (uint64_t)lo, (uint64_t)hi, &v) != 0)
		return -1;
	return (long)v;
}

/* parse_absolute_time(): YYYYMMDD[HHMM[SS]], optional Z for UTC. */
static int
check_expiry(const char *v, size_t n)
{
	if (n > 0 && (v[n - 1] == 'Z' || v[n - 1] == 'z'))
		n--;
	if (n != 8 && n != 12 && n != 14)
		return -1;
	if (!all_digits(v, n) || decimal(v + 4, 2, 1, 12) < 0 ||
	    decimal(v + 6, 2, 1, 31) < 0)
		return -1;
	if (n >= 12 && (decimal(v + 8, 2, 0, 23) < 0 || decimal(v + 10, 2, 0, 59) < 0))
		return -1;
	if (n == 14 && decimal(v + 12, 2, 0, 60) < 0)
		return -1;
	return 0;
}

/* NAME=value, NAME of letters, digits and '_' (valid_env_name()). */
static int
check_env(const char *v, size_t n)
{
	const char *eq = memchr(v, '=', n);
	size_t i, name_len;

	if (eq == NULL || eq == v)
		return -1;
	name_len = (size_t)(eq - v);
	for (i = 0; i < name_len; i++) {
		char c = v[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_'))
			return -1;
	}
	return 0;
}

/* HOST:PORT or [HOST]:PORT (':' or '/' between, as hpdelim2()); PORT is
 * '*' or 1-65535.  permitlisten also takes a bare PORT. */
static int
check_permit(const char *v, size_t n, int listen)
{
	size_t i = 0;

	if (listen && memchr(v, ':', n) == NULL)
		return (n == 1 && v[0] == '*') || decimal(v, n, 1, 65535) > 0 ? 0 : -1;
	if (n > 0 && v[0] == '[') {
		const char *close = memchr(v, ']', n);

		if (close == NULL)
			return -1;
		i = (size_t)(close - v) + 1;
		if (i >= n || (v[i] != ':' && v[i] != '/'))
			return -1;
	} else {
		while (i < n && v[i] != ':' && v[i] != '/')
			i++;
		if (i == 0 || i == n)
			return -1;
	}
	i++;
	if (n - i == 1 && v[i] == '*')
		return 0;
	return decimal(v + i, n - i, 1, 65535) > 0 ? 0 : -1;
}

/* a2tun(): "any" or a device number up to SSH_TUNID_MAX. */
static int
check_tunnel(const char *v, size_t n)
{
	if (n == 3 && eq_nocase(v, "any", 3))
		return 0;
	return decimal(v, n, 0, 0x7fffffff - 2) >= 0 ? 0 : -1;
}

static int
check_value(struct opt_state *st, size_t idx, const char *v, size_t n)
{
	const char *name = keys_opts[idx].name;
	int bad = 0;

	/* The checked values never need quotes or escapes. */
	if (keys_opts[idx].value >= OPT_EXPIRY &&
	    (memchr(v, '\\', n) != NULL || memchr(v, '"', n) != NULL))
		bad = 1;
	switch (keys_opts[idx].value) {
	case OPT_ONCE:
		if (st->seen_once & (1u << idx))
			return opt_fail(st, "options: \"%s\" given twice", name);
		st->seen_once |= 1u << idx;
		break;
	case OPT_EXPIRY: bad = bad || check_expiry(v, n) != 0; break;
	case OPT_ENV: bad = bad || check_env(v, n) != 0; break;
	case OPT_PERMIT: bad = bad || check_permit(v, n, 0) != 0; break;
	case OPT_LISTEN: bad = bad || check_permit(v, n, 1) != 0; break;
	case OPT_TUNNEL: bad = bad || check_tunnel(v, n) != 0; break;
	default: break;
	}
	if (bad) {
		char q[KEYS_QUOTE_SIZE];

		return opt_fail(st, "options: bad %s value \"%s\"", name,
		    keys_quote(q, v, n));
	}
	return 0;
}

/* The quoted value at [p, p + rem) (after "name="); returns its length
 * with both quotes, or -1. */
static long
quoted_span(struct opt_state *st, const char *name, const char *p, size_t rem)
{
	size_t i;

	if (rem == 0 || p[0] != '"')
		return opt_fail(st, "options: %s= needs a value in double quotes", name);
	/* opt_dequote(): \" is a quote; every other byte is itself. */
	for (i = 1; i < rem && p[i] != '"'; i++)
		if (p[i] == '\\' && i + 1 < rem && p[i + 1] == '"')
			i++;
	if (i == rem)
		return opt_fail(st, "options: %s= is missing its end quote", name);
	return (long)(i + 1);
}

/* The option's name: up to '=', ',' or the end. */
static size_t
name_len(const char *p, size_t rem)
{
	size_t n = 0;

	while (n < rem && p[n] != '=' && p[n] != ',')
		n++;
	return n;
}

/* The table index of the option named by [p, p + n), or -1. */
static int
lookup(const char *p, size_t n)
{
	for (size_t i = 0; i < ARRAY_LEN(keys_opts); i++) {
		size_t len = strlen(keys_opts[i].name);

		if (n == len && eq_nocase(p, keys_opts[i].name, n))
			return (int)i;
		if (keys_opts[i].value == OPT_FLAG_NEG && n == len + 3 &&
		    eq_nocase(p, "no-", 3) && eq_nocase(p + 3, keys_opts[i].name, len))
			return (int)i;
	}
	return -1;
}

/* One option at *p; advances past it.  0 or -1. */
static int
parse_one(struct opt_state *st, const char **p, size_t *rem)
{
	size_t n = name_len(*p, *rem);
	char q[KEYS_QUOTE_SIZE];
	int idx;
	long span;

	idx = lookup(*p, n);
	if (idx < 0)
		return opt_fail(st, "options: unknown option '%s'", keys_quote(q, *p, n));
	keys_quote(q, *p, n);
	*p += n;
	*rem -= n;
	if (keys_opts[idx].value <= OPT_FLAG_NEG) {
		if (*rem > 0 && **p == '=')
			return opt_fail(st, "options: %s takes no value", q);
		return 0;
	}
	if (*rem == 0 || **p != '=')
		return opt_fail(st, "options: %s needs a value (%s=\"...\")",
		    keys_opts[idx].name, keys_opts[idx].name);
	(*p)++;
	(*rem)--;
	span = quoted_span(st, keys_opts[idx].name, *p, *rem);
	if (span < 0 || check_value(st, (size_t)idx, *p + 1, (size_t)span - 2) != 0)
		return -1;
	*p += span;
	*rem -= (size_t)span;
	return 0;
}

int
keys_options_check(const char *p, size_t len, char *err, size_t errsize)
{
	struct opt_state st = { err, errsize, 0 };

	err[0] = '\0';
	if (len == 0)
		return opt_fail(&st, "options: empty");
	for (;;) {
		if (parse_one(&st, &p, &len) != 0)
			return -1;
		if (len == 0)
			return 0;
		if (*p != ',')
			return opt_fail(&st, "options: expected ',' after an option, "
			    "found 0x%02x", (unsigned char)*p);
		p++;
		len--;
		if (len == 0)
			return opt_fail(&st, "options: a comma ends the list");
	}
}
