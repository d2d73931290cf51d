/* SPDX-License-Identifier: MIT */
/* mviewctl: global options, command dispatch, help, and the connection. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

static const struct ctl_command ctl_commands[] = {
	{ "status", cmd_status, "",
	    "the daemon's version, counters and limits", NULL },
	{ "ls", cmd_ls, "[--all] [PREFIX]",
	    "list segments, views and streams (names starting with PREFIX)",
	    "  -a, --all                also deleted segments still held, and who\n"
	    "                           holds them (yours; all for root and mviewd's\n"
	    "                           group)\n" },
	{ "stat", cmd_stat, "NAME",
	    "show one segment (else the stream NAME)", NULL },
	{ "create", cmd_create, "NAME SIZE [OPTIONS]",
	    "create a segment of SIZE bytes (K/M/G suffixes)",
	    "  -m, --mode MODE          permission bits, octal (default 0600)\n"
	    "  -l, --lifetime LIFETIME  persistent (default): until deleted;\n"
	    "                           session: until its creator disconnects\n"
	    "                           and nobody holds it (for mviewctl, at once)\n"
	    "      --hugetlb            back it with huge pages\n" },
	{ "rm", cmd_rm, "NAME | --id ID",
	    "delete a segment and its views (the memory goes with its last user)",
	    "      --id ID              delete by id (anonymous segments)\n" },
	{ "freeze", cmd_freeze, "NAME",
	    "seal a segment against new writable mappings", NULL },
	{ "publish", cmd_publish, "VIEW SEGMENT --format F --shape A,B [OPTIONS]\n"
	    "       mviewctl publish VIEW --from VIEW2 [OPTIONS]",
	    "publish a view of a segment, or one derived from another view",
	    "  -f, --format F           struct format of the elements (B, h, d, ...)\n"
	    "  -s, --shape A,B          extents (\"\" for a scalar)\n"
	    "      --strides S,T        byte strides (default: C order)\n"
	    "  -o, --offset N           byte offset of element [0,...,0] (default 0)\n"
	    "      --from VIEW2         derive from the published view VIEW2\n"
	    "      --slice KEY          ... subscripted as in Python: \"1:3,::2\"\n"
	    "      --cast FMT[:SHAPE]   ... then cast: \"B\", \"h:2,3\"\n"
	    "      --readonly           publish it read-only\n"
	    "      --replace            replace a view of the same name\n" },
	{ "unpublish", cmd_unpublish, "VIEW",
	    "remove a published view", NULL },
	{ "views", cmd_views, "[PREFIX]",
	    "list published views with their descriptors", NULL },
	{ "dump", cmd_dump, "NAME [OPTIONS]",
	    "print a view's values like tolist() (NAME: a view, else a segment's bytes)",
	    "  -n, --limit N            stop after N elements\n"
	    "      --slice KEY          subscript first, as in Python: \"2:6\", \"1,::2\"\n" },
	{ "set", cmd_set, "NAME INDEX VALUE",
	    "store one element of a view (NAME: a view, else a segment's bytes)",
	    "  INDEX                    one integer per axis: 3, 1,2 (\"\" for a scalar)\n"
	    "  VALUE                    per the format: an integer, a float, true or\n"
	    "                           false for '?', one character (or \\xNN) for 'c'\n" },
	{ "watch", cmd_watch, "[PREFIX]",
	    "print events on names starting with PREFIX until interrupted", NULL },
	{ "sessions", cmd_sessions, "",
	    "client connections: pid, uid, gid, command, since, what they hold, "
	    "the streams they produce or consume and the frames they hold "
	    "(yours; every one for root and mviewd's group)", NULL },
	{ "metrics", cmd_metrics, "",
	    "the daemon's metrics in the Prometheus text format", NULL },
	{ "drain", cmd_drain, "[--wait SECONDS] [--force]",
	    "before a stop: exit 0 only when mviewd holds no segment or stream",
	    "      --wait SECONDS       wait up to SECONDS for the segments and\n"
	    "                           streams to go (session ones go with\n"
	    "                           their clients)\n"
	    "  -f, --force              list what a stop would lose, exit 0 anyway\n"
	    "Exit status 1 (and the segments and streams listed) while any exist:\n"
	    "a stop loses them where the service manager drops its fd store\n"
	    "(systemd before 254); 'systemctl restart' keeps them.\n" },
	{ "stream", cmd_stream, "create|stat|rm|ls|tail ...",
	    "create, show, delete, list or follow streams of frames",
	    "  stream create NAME (--shape A,B [--format F] | --capacity SIZE) [OPTIONS]\n"
	    "  -n, --slots N            frames in the ring (default 4, at least 2)\n"
	    "  -f, --format F           the frames' struct format (default B)\n"
	    "  -s, --shape A,B          the frames' extents\n"
	    "      --strides S,T        byte strides (default: C order)\n"
	    "  -o, --offset N           the frame's offset in its slot (default 0)\n"
	    "  -c, --capacity SIZE      bytes of a slot (default: the frame's extent)\n"
	    "  -m, --mode MODE          permission bits, octal (default 0600)\n"
	    "  -l, --lifetime LIFETIME  persistent (default) or session\n"
	    "      --max-consumers N    consumer positions (default: the daemon's)\n"
	    "      --max-holds N        frames one consumer holds (default: the daemon's)\n"
	    "  stream stat NAME         geometry, layout, owner, producer, consumers, head\n"
	    "  stream rm NAME           delete (the memory goes with its last user)\n"
	    "  stream ls [PREFIX]       list streams\n"
	    "  stream tail NAME [OPTIONS]  print each new frame: sequence, timestamp,\n"
	    "                           rate, drops and its first values\n"
	    "      --count N            stop after N frames (-n N)\n"
	    "      --lossless           every frame, in order (slows the producer)\n"
	    "      --preview N          values shown per frame (-p N, default 8, 0: none)\n"
	    "      --wait SECONDS       exit 1 when no frame came for SECONDS\n" },
};

#define NCOMMANDS (sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void
ctl_help(FILE *f)
{
	fprintf(f,
	    "Usage: mviewctl [OPTIONS] COMMAND [ARGS]\n"
	    "Inspect and drive mviewd, the shared-memory view daemon.\n\n"
	    "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", ctl_commands[i].name,
		    ctl_commands[i].summary);
	fprintf(f,
	    "\nOptions:\n"
	    "  -S, --socket PATH   the daemon's socket (default: $MVIEW_SOCKET, else\n"
	    "                      $XDG_RUNTIME_DIR/mview/mviewd.sock when it exists\n"
	    "                      and you are not root, else " MVIEW_SOCKET_SYSTEM ")\n"
	    "  -j, --json          machine-readable output (one JSON document per line;\n"
	    "                      before or after COMMAND)\n"
	    "  -t, --timeout MS    how long to wait for the daemon (default 30000)\n"
	    "  -h, --help          this help; COMMAND --help for a command's\n"
	    "  -V, --version       the version\n\n"
	    "Exit status: 0 ok, 1 the operation failed (the daemon said no),\n"
	    "2 usage error, 3 cannot reach the daemon.\n");
}

int
ctl_help_command(struct ctl *ctl)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct ctl_command *cc = &ctl_commands[i];

		if (strcmp(cc->name, ctl->cmd) != 0)
			continue;
		printf("Usage: mviewctl %s %s\n%s.\n", cc->name, cc->args,
		    cc->summary);
		if (cc->help != NULL)
			printf("\nOptions:\n%s", cc->help);
		printf("  -h, --help               this help\n");
		break;
	}
	return CTL_EXIT_OK;
}

/* A usage error: text on stderr, or under --json an error object (code
 * EINVAL, "what": "usage") on stdout like every other failure. */
int
ctl_usage(struct ctl *ctl, const char *fmt, ...)
{
	va_list	ap;
	char	msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctl->json) {
		ctl_print_error(ctl, -EINVAL, NULL, msg, "usage");
		return CTL_EXIT_USAGE;
	}
	fprintf(stderr, "mviewctl%s%s: %s\n", ctl->cmd ? " " : "",
	    ctl->cmd ? ctl->cmd : "", msg);
	fprintf(stderr, "Try 'mviewctl %s%s--help'.\n", ctl->cmd ? ctl->cmd : "",
	    ctl->cmd ? " " : "");
	return CTL_EXIT_USAGE;
}

int
ctl_bad_option(struct ctl *ctl, char **argv)
{
	return ctl_usage(ctl, "invalid option or missing argument: '%s'",
	    argv[optind - 1]);
}

/*
 * For commands whose only option is --help: check that min..max
 * positionals follow (from argv[optind]). Returns 0 to go on, -1 when
 * help was printed, or an exit code.
 */
int
ctl_simple_args(struct ctl *ctl, int argc, char **argv, int min, int max)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'h')
			return ctl_bad_option(ctl, argv);
		ctl_help_command(ctl);
		return -1;
	}
	return ctl_check_args(ctl, argc, min, max);
}

/* min..max positionals left at argv[optind]. */
int
ctl_check_args(struct ctl *ctl, int argc, int min, int max)
{
	if (argc - optind < min)
		return ctl_usage(ctl, "missing argument");
	if (argc - optind > max)
		return ctl_usage(ctl, "too many arguments");
	return 0;
}

int
ctl_connect(struct ctl *ctl)
{
	char	msg[512];
	int	r;

	if (ctl->client != NULL)
		return 0;
	r = mview_client_connect_timeout(ctl->socket, 0, ctl->timeout_ms != 0 ?
	    ctl->timeout_ms : 30000, &ctl->client, msg, sizeof(msg));
	if (r < 0) {
		if (msg[0] == '\0')
			snprintf(msg, sizeof(msg), "%s", mview_strerror(r));
		ctl->client = NULL;
		ctl_print_error(ctl, r, NULL, msg, "cannot reach mviewd");
		return CTL_EXIT_UNREACHABLE;
	}
	return 0;
}

static int
ctl_parse_timeout(const char *s, int *ret)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < -1 || v > INT_MAX)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

static int
ctl_global_options(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+S:jt:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			ctl->socket = optarg;
			break;
		case 'j':
			ctl->json = true;
			break;
		case 't':
			if (ctl_parse_timeout(optarg, &ctl->timeout_ms) < 0)
				return ctl_usage(ctl, "bad timeout '%s'", optarg);
			break;
		case 'h':
			ctl_help(stdout);
			return -1;
		case 'V':
			printf("mviewctl (mview) %s\n", PACKAGE_VERSION);
			return -1;
		default:
			return ctl_bad_option(ctl, argv);
		}
	}
	return 0;
}

/* Take --json (or -j) wherever it stands before a "--", so that it may
 * follow the command too; it is removed from argv. */
static int
ctl_take_json(struct ctl *ctl, int argc, char **argv)
{
	int	i, n = 1;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0)
			ctl->json = true;
		else
			argv[n++] = argv[i];
	}
	for (; i < argc; i++)
		argv[n++] = argv[i];
	argv[n] = NULL;
	return n;
}

int
main(int argc, char **argv)
{
	struct ctl	ctl = { 0 };
	int		first, r;

	argc = ctl_take_json(&ctl, argc, argv);
	if ((r = ctl_global_options(&ctl, argc, argv)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	if ((first = optind) >= argc) {
		if (ctl.json)
			return ctl_usage(&ctl, "missing command");
		ctl_help(stderr);
		return CTL_EXIT_USAGE;
	}
	ctl.cmd = argv[first];
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(ctl_commands[i].name, ctl.cmd) != 0)
			continue;
		optind = 0;	/* each command runs getopt afresh */
		r = ctl_commands[i].fn(&ctl, argc - first, argv + first);
		mview_client_close(ctl.client);
		return r;
	}
	ctl.cmd = NULL;
	return ctl_usage(&ctl, "unknown command '%s'", argv[first]);
}
