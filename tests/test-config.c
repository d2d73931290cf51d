/* SPDX-License-Identifier: MIT */
/* Unit tests of mviewd's config file and its merge with the command line. */
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
		cmocka_unit_test(test_merge),
	};

	log_init(LOG_ERR);
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
