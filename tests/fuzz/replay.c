/* SPDX-License-Identifier: MIT */
/* Replay fuzz inputs (the seed corpus, the regressions) through the fuzz target, without libFuzzer. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define REPLAY_MAX_INPUT	(4u << 20)

static int
replay_file(const char *path)
{
	FILE		*f;
	unsigned char	*buf;
	size_t		 n;

	if ((f = fopen(path, "rbe")) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(REPLAY_MAX_INPUT)) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, REPLAY_MAX_INPUT, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file in dir, in name order. Returns how many, or -1. */
static int
replay_dir(const char *dir)
{
	struct dirent	*de;
	DIR		*dp;
	char		**names = NULL, path[4096];
	size_t		 n = 0, cap = 0;
	int		 ran = 0;

	if ((dp = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || strcmp(de->d_name, "README") == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((names = realloc(names, cap * sizeof(*names))) == NULL)
				abort();
		}
		if ((names[n++] = strdup(de->d_name)) == NULL)
			abort();
	}
	closedir(dp);
	qsort(names, n, sizeof(*names), replay_cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

/*
 * replay DIR|FILE...: run each input once; a broken invariant aborts.
 * Without arguments: the corpus and the regressions under
 * $MVIEW_TOP_SRCDIR/tests/fuzz (what "make check" runs).
 */
int
main(int argc, char **argv)
{
	const char	*top = getenv("MVIEW_TOP_SRCDIR");
	char		 def[2][4096];
	char		*defv[3] = { argv[0], def[0], def[1] };
	int		 total = 0;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc < 2) {
		snprintf(def[0], sizeof(def[0]), "%s/tests/fuzz/corpus",
		    top ? top : ".");
		snprintf(def[1], sizeof(def[1]), "%s/tests/fuzz/regressions",
		    top ? top : ".");
		argv = defv;
		argc = 3;
	}
	for (int i = 1; i < argc; i++) {
		struct stat	st;
		int		n;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			return 1;
		}
		n = S_ISDIR(st.st_mode) ? replay_dir(argv[i]) :
		    replay_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			return 1;
		printf("replay: %s: %d inputs\n", argv[i], n);
		total += n;
	}
	printf("replay: %d inputs, no invariant broken\n", total);
	return 0;
}
