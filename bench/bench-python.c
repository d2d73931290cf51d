/* SPDX-License-Identifier: MIT */
/* The Python rows: run bench_py.py with the system interpreter, read its samples. */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "mview.h"

#define PY_VIEW		"bench.pyview"
#define PY_SEGMENT	"bench.py"

/* Run the interpreter with the build's mview module on its path; stdout to fd. */
static pid_t
py_spawn(struct bench *b, const char *const *args, int out_fd)
{
	const char	*argv[16];
	char		 script[512], path[1024];
	const char	*old = getenv("PYTHONPATH");
	int		 n = 0;
	pid_t		 pid;

	snprintf(script, sizeof(script), "%s/bench_py.py", b->scripts);
	argv[n++] = b->python;
	if (args[0] != NULL && strcmp(args[0], "-c") != 0)
		argv[n++] = script;
	for (; *args != NULL && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	if (proc_server_cpu() >= 0) {
		snprintf(path, sizeof(path), "%d", proc_server_cpu());
		setenv("MVIEW_BENCH_SERVER_CPU", path, 1);
	}
	if (b->pythonpath != NULL) {
		snprintf(path, sizeof(path), "%s%s%s", b->pythonpath,
		    old ? ":" : "", old ? old : "");
		setenv("PYTHONPATH", path, 1);
	}
	if (out_fd >= 0)
		dup2(out_fd, STDOUT_FILENO);
	execv(b->python, (char *const *)argv);
	_exit(127);
}

bool
bench_python_has(struct bench *b, const char *module)
{
	const char	*args[] = { "-c", NULL, NULL };
	char		 code[128];
	int		 devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t		 pid;
	int		 status;

	if (b->python == NULL || access(b->python, X_OK) < 0)
		return false;
	snprintf(code, sizeof(code), "import %s", module);
	args[1] = code;
	pid = py_spawn(b, args, devnull);
	if (devnull >= 0)
		close(devnull);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* A "key ns ns ..." line made into a row, with its floor. */
static void
py_row(struct bench *b, char *line)
{
	struct bench_row	*r;
	struct samples		 s;
	char			*key, *tok, *save, name[64], fkey[48];
	const char		*label;

	if ((key = strtok_r(line, " \n", &save)) == NULL)
		return;
	samples_init(&s);
	while ((tok = strtok_r(NULL, " \n", &save)) != NULL)
		samples_add(&s, strtod(tok, NULL));
	if (strcmp(key, "py.lookup") == 0) {
		r = bench_row_samples(b, key, "Python lookup + numpy.asarray", &s);
		bench_row_floor(b, r, "py.c_open");
	} else if (strcmp(key, "py.lookup_mapped") == 0) {
		r = bench_row_samples(b, key, "Python lookup + asarray, mapped",
		    &s);
		bench_row_floor(b, r, "ctl.lookup");
	} else if (strncmp(key, "data.py_", 8) == 0 &&
	    (label = strrchr(key, '.')) != NULL) {
		snprintf(name, sizeof(name), "share %s via %s", label + 1,
		    strncmp(key, "data.py_shm", 11) == 0 ?
		    "Python shared_memory" : "Python mview + asarray");
		r = bench_row_samples(b, key, name, &s);
		r->size = strtoull(label + 1, NULL, 10) << (strchr(label, 'G') ?
		    30 : strchr(label, 'M') ? 20 : 10);
		snprintf(fkey, sizeof(fkey), "data.fd%s", label);
		bench_row_floor(b, r, fkey);
	} else
		r = bench_row_samples(b, key, key, &s);
	bench_row_print(b, r);
	samples_free(&s);
}

/* Run bench_py.py with args; its output (one line per row) into *ret_f. */
static int
py_capture(struct bench *b, const char *const *args, FILE **ret_f)
{
	FILE	*f;
	pid_t	 pid;

	if ((f = tmpfile()) == NULL)
		return -errno;
	pid = py_spawn(b, args, fileno(f));
	if (pid < 0 || proc_wait(pid, "bench_py.py") < 0) {
		fclose(f);
		return -EIO;
	}
	rewind(f);
	*ret_f = f;
	return 0;
}

/* Every line becomes a row (lines are long: getline reads them whole). */
static void
py_rows(struct bench *b, FILE *f)
{
	char	*line = NULL;
	size_t	 cap = 0;

	while (getline(&line, &cap, f) > 0)
		py_row(b, line);
	free(line);
	fclose(f);
}

static int
py_run(struct bench *b, const char *const *args)
{
	FILE	*f;
	int	 r;

	if ((r = py_capture(b, args, &f)) == 0)
		py_rows(b, f);
	return r;
}

/* C's open by name of the Python rows' segment: their floor, measured
 * right before and after them (a busy machine then moves both alike). */
static int
py_c_open(struct bench *b, long iters, struct samples *s)
{
	struct mview_client	*c;
	struct mview_segment	*seg;
	int64_t			 t0, t1;
	int			 r;

	if ((r = mview_client_connect(bench_socket(b), &c)) < 0)
		return r;
	for (long i = 0; i < iters + 50 && r == 0; i++) {
		t0 = now_ns();
		r = mview_segment_open(c, PY_SEGMENT, 0, &seg);
		t1 = now_ns();
		if (r == 0)
			mview_segment_close(seg);
		if (r == 0 && i >= 50)
			samples_add(s, (double)(t1 - t0));
	}
	mview_client_close(c);
	return r;
}

/* C open by name, Python, C again: the C half is the Python row's floor. */
static int
py_lookup_paired(struct bench *b, const char *const *args)
{
	struct samples	 s;
	FILE		*f = NULL;
	long		 n = bench_iters(b, 2500, 500);
	int		 r;

	samples_init(&s);
	if ((r = py_c_open(b, n, &s)) == 0 &&
	    (r = py_capture(b, args, &f)) == 0 &&
	    (r = py_c_open(b, n, &s)) == 0)
		bench_row_print(b, bench_row_samples(b, "py.c_open", "C open by "
		    "name (same segment, around Python)", &s));
	if (f != NULL)
		py_rows(b, f);
	samples_free(&s);
	return r;
}

int
bench_python_lookup(struct bench *b)
{
	struct mview_client	*c;
	struct mview_segment	*seg;
	struct mview_view	*v;
	char			 iters[16];
	const char		*args[] = { "lookup", bench_socket(b), PY_VIEW,
	    PY_SEGMENT, iters, NULL };
	int			 r;

	if ((r = mview_client_connect(bench_socket(b), &c)) < 0)
		return r;
	mview_segment_delete(c, PY_SEGMENT);
	if ((r = mview_segment_create(c, PY_SEGMENT, BENCH_SMALL, 0644,
	    MVIEW_LIFETIME_PERSISTENT, 0, &seg)) == 0) {
		if ((r = mview_view_from_segment(seg, &v)) == 0) {
			r = mview_view_publish(c, PY_VIEW, v,
			    MVIEW_PUBLISH_REPLACE);
			mview_view_release(v);
		}
		snprintf(iters, sizeof(iters), "%ld", bench_iters(b, 5000, 1000));
		if (r == 0)
			r = py_lookup_paired(b, args);
		mview_segment_close(seg);
		mview_segment_delete(c, PY_SEGMENT);
	}
	mview_client_close(c);
	return r;
}

/* The Python data plane rows, sizes and iterations as the C rows have them. */
int
bench_python_share(struct bench *b)
{
	static const uint64_t	 sizes[] = { KIB, MIB, 64 * MIB, GIB };
	static const long	 normal[] = { 2000, 500, 30, 7 };
	static const long	 quick[] = { 300, 100, 8, 3 };
	char			 sz[128] = "", it[64] = "";
	const char		*shm[] = { "share-shm", sz, it, NULL };
	const char		*mv[] = { "share-mview", bench_socket(b), sz, it,
	    NULL };
	size_t			 len;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = strlen(sz);
		snprintf(sz + len, sizeof(sz) - len, "%s%llu", i ? "," : "",
		    (unsigned long long)sizes[i]);
		len = strlen(it);
		snprintf(it + len, sizeof(it) - len, "%s%ld", i ? "," : "",
		    bench_iters(b, normal[i], quick[i]));
	}
	if (bench_python_has(b, "numpy"))
		py_run(b, shm);
	else
		bench_skip(b, "Python shared_memory rows", "no numpy for the "
		    "interpreter");
	if (bench_python_has(b, "mview") && bench_python_has(b, "numpy"))
		py_run(b, mv);
	else
		bench_skip(b, "Python mview rows", "the mview module is not "
		    "built (python/.libs) or numpy is missing");
	return 0;
}
