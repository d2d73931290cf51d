/* SPDX-License-Identifier: MIT */
/* Unit tests of mviewd's config file and its merge with the command line. */
#include <sys/stat.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/config.h"
#include "daemon/errmsg.h"
#include "daemon/log.h"
#include "daemon/options.h"

static void
test_parse(void **state)
{
	struct config	c;
	struct errmsg	e = { "" };

	(void)state;
	assert_int_equal(config_parse(
	    "# limits\n"
	    "\n"
	    "  max-total-bytes = 8G   # trailing comment\n"
	    "max-segments=12\n"
	    "log-level = debug\n"
	    "session-grace = 0\n"
	    "\tmax-name\t=\t100\t\n", "t", &c, &e), 0);
	assert_int_equal(c.limits.max_total_bytes, 8ull << 30);
	assert_int_equal(c.limits.max_segments, 12);
	assert_int_equal(c.limits.max_name, 100);
	assert_true(c.has_log_level);
	assert_int_equal(c.log_level, LOG_DEBUG);
	assert_true(c.has_session_grace);
	assert_int_equal(c.session_grace, 0);
	assert_int_equal(__builtin_popcountll(c.limits_set), 3);
}

static void
test_errors(void **state)
{
	static const char *const bad[] = {
		"max-segments\n",
		"no-such-thing = 1\n",
		"max-segments = lots\n",
		"max-total-bytes = 1Q\n",
		"max-sessions = 0\n",		/* below its minimum */
		"session-grace = -1\n",
		"log-level = loud\n",
		"socket = /tmp/x\n",		/* not reloadable, not here */
	};
	struct config	c;
	struct errmsg	e = { "" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char	text[128];

		snprintf(text, sizeof(text), "max-views = 5\n%s", bad[i]);
		e.text[0] = '\0';
		assert_true(config_parse(text, "f.conf", &c, &e) < 0);
		if (strncmp(e.text, "f.conf:2: ", 10) != 0)
			fail_msg("'%s': message '%s'", bad[i], e.text);
	}
}

static void
test_load(void **state)
{
	char		path[] = "/tmp/mview-config-XXXXXX";
	struct config	c;
	struct errmsg	e = { "" };
	int		fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "max-segment-size = 1M\n", 22), 22);
	close(fd);
	assert_int_equal(config_load(path, &c, &e), 0);
	assert_int_equal(c.limits.max_segment_size, 1u << 20);
	unlink(path);
	assert_int_equal(config_load(path, &c, &e), -ENOENT);
}

static void
write_text(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
record_read_cb(const char *file, void *arg)
{
	char	*log = arg;
	size_t	 len = strlen(log);

	snprintf(log + len, 1024 - len, "%s;", file == NULL ? "(none)" :
	    strrchr(file, '/') + 1);
}

/*
 * FILE, then FILE.d/NAME.conf in byte order, each over the ones before;
 * other names are left alone; an absent FILE is no error; a bad drop-in
 * fails the whole load with its file and line.
 */
static void
test_dropins(void **state)
{
	char		 dir[] = "/tmp/mview-config-XXXXXX";
	char		 file[128], dropins[160], path[200], cmd[512];
	char		 log[1024] = "";
	struct config	 c;
	struct errmsg	 e = { "" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/mviewd.conf", dir);
	snprintf(dropins, sizeof(dropins), "%s.d", file);
	/* Nothing at all: the defaults. */
	assert_int_equal(config_load_all(file, &c, record_read_cb, log, &e), 0);
	assert_string_equal(log, "(none);");
	assert_int_equal(c.limits_set, 0);

	write_text(file, "max-segments = 10\nmax-views = 10\nlog-level = debug\n");
	assert_int_equal(mkdir(dropins, 0700), 0);
	snprintf(path, sizeof(path), "%s/20-views.conf", dropins);
	write_text(path, "max-views = 20\n");
	snprintf(path, sizeof(path), "%s/10-segments.conf", dropins);
	write_text(path, "max-segments = 11\nmax-views = 11\n");
	snprintf(path, sizeof(path), "%s/B-upper.conf", dropins);
	write_text(path, "max-watches = 5\n");
	snprintf(path, sizeof(path), "%s/a-lower.conf", dropins);
	write_text(path, "max-watches = 6\n");
	snprintf(path, sizeof(path), "%s/30-ignored.conf.bak", dropins);
	write_text(path, "this is not read\n");
	snprintf(path, sizeof(path), "%s/.hidden.conf", dropins);
	write_text(path, "this is not read either\n");
	log[0] = '\0';
	assert_int_equal(config_load_all(file, &c, record_read_cb, log, &e), 0);
	assert_string_equal(log, "mviewd.conf;10-segments.conf;20-views.conf;"
	    "B-upper.conf;a-lower.conf;");
	assert_int_equal(c.limits.max_segments, 11);
	assert_int_equal(c.limits.max_views, 20);
	assert_int_equal(c.limits.max_watches, 6);
	assert_int_equal(c.log_level, LOG_DEBUG);

	/* Drop-ins alone, without FILE. */
	assert_int_equal(unlink(file), 0);
	log[0] = '\0';
	assert_int_equal(config_load_all(file, &c, record_read_cb, log, &e), 0);
	assert_string_equal(log, "(none);10-segments.conf;20-views.conf;"
	    "B-upper.conf;a-lower.conf;");
	assert_false(c.has_log_level);

	/* A bad drop-in: an error naming it and its line. */
	snprintf(path, sizeof(path), "%s/15-bad.conf", dropins);
	write_text(path, "# fine\nmax-views = lots\n");
	assert_int_equal(config_load_all(file, &c, NULL, NULL, &e), -EINVAL);
	assert_non_null(strstr(e.text, "15-bad.conf:2"));
	assert_int_equal(unlink(path), 0);

	/* FILE.d that is not a directory. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && touch '%s'", dropins,
	    dropins);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(config_load_all(file, &c, NULL, NULL, &e), -ENOTDIR);
	assert_non_null(strstr(e.text, "mviewd.conf.d"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* The command line wins over the file, the file over the defaults. */
static void
test_merge(void **state)
{
	char		 a0[] = "mviewd", a1[] = "--max-segments=7";
	char		 a2[] = "--session-grace=5";
	char		*argv[] = { a0, a1, a2, NULL };
	struct options	o;
	struct config	c;
	struct errmsg	e = { "" };
	struct limits	l, def;

	(void)state;
	limits_init(&def);
	assert_int_equal(options_init(&o), 0);
	assert_int_equal(options_parse(&o, 3, argv, &e), 0);
	assert_int_equal(config_parse("max-segments = 9\nmax-views = 3\n"
	    "session-grace = 60\n", "t", &c, &e), 0);
	options_merge_limits(&o, &c, &l);
	assert_int_equal(l.max_segments, 7);
	assert_int_equal(l.max_views, 3);
	assert_int_equal(l.max_total_bytes, def.max_total_bytes);
	options_apply_config(&o, &c);
	assert_int_equal(o.limits.max_segments, 7);
	assert_int_equal(o.limits.max_views, 3);
	assert_int_equal(o.session_grace, 5);
	options_free(&o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_dropins),
		cmocka_unit_test(test_merge),
	};

	log_init(LOG_ERR);
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
