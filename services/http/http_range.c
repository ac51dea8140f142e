/*
 * Range requests and the validators that guard them (RFC 9110 13, 14).
 *
 * Arch's initramfs probes airootfs.sfs with "Range: bytes=0-0" before it
 * downloads it, and aria2c splits a download into one range per
 * connection: both must get exactly the bytes asked for.  Anything odd in
 * a Range field makes us ignore it (200 with the whole representation),
 * which is always allowed (RFC 9110 14.2) and never costs more than a
 * plain GET.
 */
#include <string.h>

#include "http/http_parse.h"

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* A decimal number of any length: its value saturated at UINT64_MAX, and
 * its significant digits, so that two numbers compare exactly. */
struct num {
	uint64_t v;
	const char *digits;     /* first non-zero digit */
	size_t ndigits;         /* 0 for the number zero */
};

/* 1*DIGIT at v[*i..len); advances past it.  0, or -1 when no digit. */
static int
take_num(const char *v, size_t len, size_t *i, struct num *x)
{
	size_t start = *i;

	x->v = 0;
	x->digits = NULL;
	x->ndigits = 0;
	for (; *i < len && is_digit((unsigned char)v[*i]); (*i)++) {
		unsigned d = (unsigned)(v[*i] - '0');

		if (x->ndigits == 0) {
			if (d == 0)
				continue;
			x->digits = v + *i;
		}
		x->ndigits++;
		x->v = x->v > (UINT64_MAX - d) / 10 ? UINT64_MAX : x->v * 10 + d;
	}
	return *i > start ? 0 : -1;
}

static int
num_less(const struct num *a, const struct num *b)
{
	if (a->ndigits != b->ndigits)
		return a->ndigits < b->ndigits;
	return a->ndigits > 0 && memcmp(a->digits, b->digits, a->ndigits) < 0;
}

static int
ranges_overlap(const struct http_range *a, const struct http_range *b)
{
	return a->first <= b->last && b->first <= a->last;
}

/* RFC 9110 14.2: "more than two overlapping ranges, or a set of many
 * small ranges that are not listed in ascending order" may be ignored --
 * the shapes of CVE-2011-3192 ("Apache Killer") and its relatives. */
static int
ranges_abusive(const struct http_range *r, size_t n)
{
	size_t overlapping = 0;

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			if (j != i && ranges_overlap(&r[i], &r[j])) {
				overlapping++;
				break;
			}
		}
	}
	if (overlapping > HTTP_MAX_OVERLAPPING_RANGES)
		return 1;
	if (n > HTTP_MAX_UNSORTED_RANGES) {
		for (size_t i = 1; i < n; i++) {
			if (r[i].first < r[i - 1].first)
				return 1;
		}
	}
	return 0;
}

/*
 * One range-spec at v[*i..len) (RFC 9110 14.1.1): int-range
 * "first-[last]" or suffix-range "-length".  Resolves it against size.
 * Returns -1 on a syntax error, else 0 with *sat set: 1 and *out filled
 * when satisfiable, 0 when not, 2 for a suffix range of an empty
 * representation (satisfiable, and empty).
 */
static int
take_spec(const char *v, size_t len, size_t *i, uint64_t size,
    struct http_range *out, int *sat)
{
	struct num first, last;

	if (*i < len && v[*i] == '-') {
		(*i)++;
		if (take_num(v, len, i, &last) != 0)
			return -1;
		if (last.ndigits == 0)
			*sat = 0;       /* "-0" */
		else if (size == 0)
			*sat = 2;
		else {
			*sat = 1;
			out->first = last.v >= size ? 0 : size - last.v;
			out->last = size - 1;
		}
		return 0;
	}
	if (take_num(v, len, i, &first) != 0 || *i >= len || v[*i] != '-')
		return -1;
	(*i)++;
	if (*i < len && is_digit((unsigned char)v[*i])) {
		if (take_num(v, len, i, &last) != 0 || num_less(&last, &first))
			return -1;
	} else
		last.v = UINT64_MAX;    /* "first-": to the end */
	/* A saturated first is UINT64_MAX >= size: unsatisfiable, as the
	 * real value is. */
	if (first.v >= size) {
		*sat = 0;
		return 0;
	}
	*sat = 1;
	out->first = first.v;
	out->last = last.v >= size ? size - 1 : last.v;
	return 0;
}

int
http_range_parse(const char *v, size_t len, uint64_t size,
    struct http_range *out, size_t max, size_t *n)
{
	size_t i = 0, nspec = 0, nsat = 0;
	int empty_suffix = 0;
	const char *eqs;

	*n = 0;
	if (max > HTTP_MAX_RANGES)
		max = HTTP_MAX_RANGES;
	/* ranges-specifier = range-unit "=" range-set; units compare
	 * case-insensitively (14.1). */
	if (len == 0 || (eqs = memchr(v, '=', len)) == NULL)
		return HTTP_RANGE_IGNORE;
	i = (size_t)(eqs - v);
	if (i != 5)
		return HTTP_RANGE_IGNORE;
	for (size_t k = 0; k < 5; k++) {
		if (http_ascii_lower((unsigned char)v[k]) != (unsigned char)"bytes"[k])
			return HTTP_RANGE_IGNORE;
	}
	i++;

	/* 1#range-spec = *( "," OWS ) range-spec *( OWS "," [ OWS range-spec ] )
	 * (5.6.1): OWS only next to a comma, empty elements allowed. */
	while (i < len) {
		struct http_range r;
		int sat;

		if (v[i] == ',') {
			i++;
			while (i < len && is_ows(v[i]))
				i++;
			continue;
		}
		if (take_spec(v, len, &i, size, &r, &sat) != 0)
			return HTTP_RANGE_IGNORE;
		if (++nspec > max)
			return HTTP_RANGE_IGNORE;
		if (sat == 1)
			out[nsat++] = r;
		else if (sat == 2)
			empty_suffix = 1;
		while (i < len && is_ows(v[i]))
			i++;
		if (i < len && v[i] != ',')
			return HTTP_RANGE_IGNORE;
	}
	if (nspec == 0)
		return HTTP_RANGE_IGNORE;
	if (nsat == 0)
		return empty_suffix ? HTTP_RANGE_IGNORE : HTTP_RANGE_UNSATISFIABLE;
	if (ranges_abusive(out, nsat))
		return HTTP_RANGE_IGNORE;
	*n = nsat;
	return HTTP_RANGE_OK;
}

/*
 * entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE at v[*i..len) (RFC 9110
 * 8.8.3); advances past it.  Sets *weak and the opaque tag's inside.
 */
static int
take_etag(const char *v, size_t len, size_t *i, int *weak, const char **tag,
    size_t *tlen)
{
	size_t j = *i, start;

	*weak = 0;
	if (len - j >= 2 && v[j] == 'W' && v[j + 1] == '/') {
		*weak = 1;
		j += 2;
	}
	if (j >= len || v[j] != '"')
		return -1;
	start = ++j;
	for (; j < len && v[j] != '"'; j++) {
		unsigned char c = (unsigned char)v[j];

		/* etagc = %x21 / %x23-7E / obs-text */
		if (c < 0x21 || c == 0x7f)
			return -1;
	}
	if (j >= len)
		return -1;
	*tag = v + start;
	*tlen = j - start;
	*i = j + 1;
	return 0;
}

int
http_etag_match(const char *v, size_t len, const char *etag, int weak)
{
	const char *our, *tag;
	size_t olen, tlen, i = 0, elen = strlen(etag);
	int our_weak, tag_weak, match = 0;

	if (take_etag(etag, elen, &i, &our_weak, &our, &olen) != 0 || i != elen)
		return 0;
	if (len == 1 && v[0] == '*')
		return 1;
	i = 0;
	/* #entity-tag: every element is checked, so that a malformed field
	 * is 0 whatever it matched first. */
	while (i < len) {
		if (v[i] == ',' || is_ows(v[i])) {
			i++;
			continue;
		}
		if (take_etag(v, len, &i, &tag_weak, &tag, &tlen) != 0)
			return 0;
		if (tlen == olen && memcmp(tag, our, olen) == 0 &&
		    (weak || (!tag_weak && !our_weak)))
			match = 1;
		while (i < len && is_ows(v[i]))
			i++;
		if (i < len && v[i] != ',')
			return 0;
	}
	return match;
}

int
http_if_range_parse(const char *v, size_t len, int64_t *date)
{
	int64_t t;

	if (len > 0 && (v[0] == '"' || v[0] == 'W')) {
		size_t i = 0, tlen;
		const char *tag;
		int weak;

		if (take_etag(v, len, &i, &weak, &tag, &tlen) == 0 && i == len)
			return HTTP_IF_RANGE_ETAG;
		if (v[0] == '"')
			return HTTP_IF_RANGE_INVALID;
	}
	if (http_date_parse(v, len, &t) != 0)
		return HTTP_IF_RANGE_INVALID;
	if (date != NULL)
		*date = t;
	return HTTP_IF_RANGE_DATE;
}
