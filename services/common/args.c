#include "common/args.h"

#include <stdlib.h>
#include <string.h>

#define ARGS_NAME_MAX 64 /* longer words are never close to an option name */

char **
args_normalize(int *argc, char **argv)
{
	size_t extra = 0, n = 0;
	int after = 0;
	char **out, *store;

	/* One block: the pointers, then the split and prefixed words. */
	for (int i = 0; i < *argc; i++)
		extra += strlen(argv[i]) + 3;
	out = malloc(((size_t)*argc * 2 + 1) * sizeof(*out) + extra);
	if (out == NULL)
		return NULL;
	store = (char *)(out + (size_t)*argc * 2 + 1);
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i], *eq;
		size_t len = strlen(a);

		if (i > 0 && !after && strcmp(a, "--") == 0) {
			after = 1;
			continue;
		}
		if (i > 0 && after && a[0] == '-') {
			out[n++] = store;
			memcpy(store, "./", 2);
			memcpy(store + 2, a, len + 1);
			store += len + 3;
		} else if (i > 0 && !after && strncmp(a, "--", 2) == 0 &&
		    (eq = strchr(a, '=')) != NULL && eq > a + 2) {
			size_t key = (size_t)(eq - a);

			out[n++] = store;
			memcpy(store, a, key);
			store[key] = '\0';
			store += key + 1;
			out[n++] = (char *)(eq + 1);
		} else {
			out[n++] = argv[i];
		}
	}
	out[n] = NULL;
	*argc = (int)n;
	return out;
}

void
args_free(char **argv)
{
	free(argv);
}

unsigned
args_distance(const char *a, const char *b)
{
	unsigned row[ARGS_NAME_MAX + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > ARGS_NAME_MAX || lb > ARGS_NAME_MAX)
		return 255;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

const char *
args_closest(const char *given, const char *const *valid, size_t n)
{
	const char *best = NULL;
	unsigned best_d = 255, limit;
	size_t len = strlen(given);

	limit = len / 3 > 2 ? (unsigned)(len / 3) : 2;
	for (size_t i = 0; i < n; i++) {
		unsigned d = args_distance(given, valid[i]);

		if (d < best_d) {
			best_d = d;
			best = valid[i];
		}
	}
	return best_d <= limit ? best : NULL;
}
