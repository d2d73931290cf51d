/* SPDX-License-Identifier: MIT */
/* mview-bench: mview against the kernel's floor and its peers, in one run. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define BENCH_SECTIONS	"floor,control,tput,data,python,algebra,stream,scale"

static void
usage(FILE *f)
{
	fprintf(f,
"Usage: mview-bench [OPTION]...\n"
"Measure mview against the kernel's floor (same run) and against copies.\n"
"\n"
"      --mviewd=PATH      start a private mviewd from PATH (mkdtemp socket)\n"
"      --socket=PATH      or use the mviewd listening on PATH\n"
"      --quick            fewer samples, registry up to 100k views (~1 min)\n"
"      --json[=FILE]      JSON to FILE (table on stdout), or to stdout\n"
"      --hugetlb          add MFD_HUGETLB rows (needs a huge page pool)\n"
"      --populate         add MAP_POPULATE / MADV_POPULATE_READ rows\n"
"      --no-pin           let the scheduler place processes (default: the\n"
"                         client side on one CPU, servers on another)\n"
"      --idle             let idle CPUs sleep (default: hold\n"
"                         /dev/cpu_dma_latency at 0 when we may)\n"
"      --python=PATH      interpreter for the Python rows (/usr/bin/python3)\n"
"      --python-path=DIR  where the mview module was built (python/.libs)\n"
"      --scripts=DIR      where bench_py.py is\n"
"      --only=LIST        sections, comma-separated: " BENCH_SECTIONS "\n"
"  -h, --help             this text\n"
"\n"
"Rows: median and p99 of the samples; ratio = median / its floor, measured\n"
"in this run (throughput rows: our rate / the raw echo server's rate).\n");
}

long
bench_iters(const struct bench *b, long normal, long quick)
{
	return b->quick ? quick : normal;
}

bool
bench_want(const struct bench *b, const char *section)
{
	const char	*p;
	size_t		 n = strlen(section);

	if (b->only == NULL)
		return true;
	for (p = b->only; (p = strstr(p, section)) != NULL; p += n) {
		if ((p == b->only || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ','))
			return true;
	}
	return false;
}

static int
parse_args(struct bench *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mviewd", required_argument, NULL, 'm' },
		{ "socket", required_argument, NULL, 's' },
		{ "quick", no_argument, NULL, 'q' },
		{ "json", optional_argument, NULL, 'j' },
		{ "hugetlb", no_argument, NULL, 'H' },
		{ "populate", no_argument, NULL, 'P' },
		{ "idle", no_argument, NULL, 'I' },
		{ "no-pin", no_argument, NULL, 'N' },
		{ "python", required_argument, NULL, 'y' },
		{ "python-path", required_argument, NULL, 'Y' },
		{ "scripts", required_argument, NULL, 'S' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': b->mviewd = optarg; break;
		case 's': b->socket = optarg; break;
		case 'q': b->quick = true; break;
		case 'j':
			if (optarg != NULL && strcmp(optarg, "-") != 0)
				b->json_path = optarg;
			else
				b->json_stdout = true;
			break;
		case 'H': b->hugetlb = true; break;
		case 'P': b->populate = true; break;
		case 'I': b->idle = true; break;
		case 'N': b->no_pin = true; break;
		case 'y': b->python = optarg; break;
		case 'Y': b->pythonpath = optarg; break;
		case 'S': b->scripts = optarg; break;
		case 'o': b->only = optarg; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc || (b->mviewd == NULL && b->socket == NULL &&
	    (b->socket = getenv("MVIEW_SOCKET")) == NULL)) {
		fprintf(stderr, "mview-bench: give --mviewd=PATH or "
		    "--socket=PATH (or set MVIEW_SOCKET)\n");
		return -EINVAL;
	}
	return 0;
}

/* Defaults next to the binary: bench_py.py beside it, the module in ../python/.libs. */
static void
defaults(struct bench *b, const char *argv0)
{
	static char	dir[512], pypath[600];
	char		tmp[512];

	snprintf(tmp, sizeof(tmp), "%s", argv0);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	if (b->scripts == NULL)
		b->scripts = dir;
	if (b->pythonpath == NULL) {
		snprintf(pypath, sizeof(pypath), "%s/../python/.libs", dir);
		b->pythonpath = pypath;
	}
	if (b->python == NULL)
		b->python = "/usr/bin/python3";
}

static void
run_python(struct bench *b)
{
	char	script[600];

	bench_section(b, "python", "Python (ratio: lookup vs C open by name; "
	    "sharing vs the raw fd floor)");
	snprintf(script, sizeof(script), "%s/bench_py.py", b->scripts);
	if (access(b->python, X_OK) < 0 || access(script, R_OK) < 0) {
		bench_skip(b, "Python rows", "no interpreter or bench_py.py "
		    "(--python, --scripts)");
		return;
	}
	if (bench_python_has(b, "mview") && bench_python_has(b, "numpy"))
		bench_python_lookup(b);
	else
		bench_skip(b, "Python lookup + numpy.asarray", "the mview "
		    "module is not built (--python-path) or numpy is missing");
	bench_python_share(b);
}

static void
run_all(struct bench *b)
{
	if (bench_want(b, "floor"))
		bench_floors(b);
	if (bench_want(b, "control") || bench_want(b, "tput"))
		bench_control(b);
	if (bench_want(b, "data"))
		bench_data(b);
	if (bench_want(b, "python"))
		run_python(b);
	if (bench_want(b, "algebra"))
		bench_algebra(b);
	if (bench_want(b, "stream"))
		bench_stream(b);
	if (bench_want(b, "scale"))
		bench_scale(b);		/* last: it restarts the daemon */
}

int
main(int argc, char **argv)
{
	struct bench	b = { .echo_pid = -1, .daemon = { .pid = -1, .pidfd = -1 },
	    .pm_qos_fd = -1 };
	FILE		*out;
	int		 r;

	if (parse_args(&b, argc, argv) < 0)
		return 2;
	defaults(&b, argv[0]);
	out = b.json_stdout ? stderr : stdout;
	b.t_start = now_ns();
	getloadavg(b.load_start, 3);
	proc_cleanup_register(&b);
	if (proc_mkdtemp(b.tmpdir, sizeof(b.tmpdir)) < 0)
		return 1;
	b.pinned = proc_pin_setup(!b.no_pin) == 0;
	if (b.mviewd != NULL && b.socket == NULL &&
	    daemon_start(&b, &b.daemon, NULL) < 0)
		return 1;
	if (bench_echo_start(&b) < 0)
		fprintf(stderr, "mview-bench: no echo server: %s\n",
		    strerror(errno));
	if (b.idle)
		snprintf(b.pm_qos, sizeof(b.pm_qos), "CPUs may idle (--idle)");
	else if ((r = proc_pm_qos_hold(&b.pm_qos_fd)) < 0)
		snprintf(b.pm_qos, sizeof(b.pm_qos), "CPUs may idle "
		    "(/dev/cpu_dma_latency: %s)", strerror(-r));
	else
		snprintf(b.pm_qos, sizeof(b.pm_qos), "cpu_dma_latency held at "
		    "0 (no idle-exit latency)");
	bench_print_machine(&b, out);
	fprintf(out, "mode: %s%s%s; %s; %s\n", b.quick ? "quick" : "full",
	    b.hugetlb ? ", hugetlb" : "", b.populate ? ", populate" : "",
	    b.pm_qos, b.pinned ? "client and servers pinned to two CPUs" :
	    "not pinned");
	run_all(&b);
	bench_echo_stop(&b);
	daemon_stop(&b.daemon);
	getloadavg(b.load_end, 3);
	if (b.pm_qos_fd >= 0)
		close(b.pm_qos_fd);
	fprintf(out, "\n");
	bench_print_machine(&b, out);
	bench_print_targets(&b, out);
	fprintf(out, "(%.0f s)\n", (double)(now_ns() - b.t_start) / 1e9);
	if (b.json_stdout)
		bench_write_json(&b, "-");
	if (b.json_path != NULL)
		bench_write_json(&b, b.json_path);
	free(b.rows);
	return 0;
}
