/*
 * Client paths -> canonical tree paths.  This is where traversal is
 * stopped: decode once, then refuse what could leave the tree or confuse
 * a later layer, then normalise.
 */
#include <string.h>

#include "common/util.h"
#include "vfs/vfs.h"

/* Close the segment out[seg..*o): drop "." and empty ones, refuse "..". */
static int
end_segment(char *out, size_t seg, size_t *o, const char **reason)
{
	size_t n = *o - seg;

	if (n == 2 && out[seg] == '.' && out[seg + 1] == '.') {
		*reason = "\"..\" in path";
		return -1;
	}
	if (n == 1 && out[seg] == '.')
		*o = seg;
	return 0;
}

int
vfs_path_clean(const char *raw, size_t len, int decode, char *out, size_t outsize,
    const char **reason)
{
	size_t o = 1, seg = 1; /* out[seg..o) is the segment being built */

	if (outsize < 2) {
		*reason = "path too long";
		return -1;
	}
	out[0] = '/';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (decode && (c == '?' || c == '#'))
			break; /* query and fragment are not part of the path */
		if (decode && c == '%') {
			int hi, lo;

			/* Decoded once: "%2e%2e" is "..", "%252e" stays "%2e". */
			if (len - i < 3 || (hi = hex_digit(raw[i + 1])) < 0 ||
			    (lo = hex_digit(raw[i + 2])) < 0) {
				*reason = "bad percent-escape";
				return -1;
			}
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0' || c == '\\' || c < 0x20 || c == 0x7f) {
			*reason = c == '\\' ? "backslash in path" : "control byte in path";
			return -1;
		}
		if (c == '/') {
			if (end_segment(out, seg, &o, reason) != 0)
				return -1;
			if (o > seg) {
				if (o + 1 >= outsize)
					goto too_long;
				out[o++] = '/';
			}
			seg = o;
			continue;
		}
		if (o + 1 >= outsize)
			goto too_long;
		out[o++] = (char)c;
	}
	if (end_segment(out, seg, &o, reason) != 0)
		return -1;
	out[o] = '\0';
	return 0;
too_long:
	*reason = "path too long";
	return -1;
}
