/* SPDX-License-Identifier: MIT */
/* Unit tests of mviewd's limits (parsing, quota arithmetic) and command line. */
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

#include "daemon/errmsg.h"
#include "daemon/limits.h"
#include "daemon/log.h"
#include "daemon/options.h"
#include "wire.h"

static void
test_defaults(void **state)
{
	struct limits	l;

	(void)state;
	limits_init(&l);
	assert_int_equal(l.max_packet, 64 << 10);
	assert_int_equal(l.max_name, 255);
	assert_int_equal(l.max_ndim, 64);
	assert_int_equal(l.max_conns_per_uid, 256);
	assert_int_equal(l.max_watch_events, 1024);
	assert_true(l.max_views >= 2000000);
	assert_true(l.max_total_bytes > 0);
	assert_int_equal(l.max_segment_size, l.max_total_bytes);
	/* Every field has an option, and every default is within range. */
	assert_int_equal(limits_count() * sizeof(uint64_t), sizeof(l));
	for (size_t i = 0; i < limits_count(); i++) {
		const struct limit_desc *d = limits_desc(i);

		assert_ptr_equal(limits_find(d->option), d);
		assert_true(limits_get(&l, d) >= d->min);
		assert_true(limits_get(&l, d) <= d->max);
	}
	assert_null(limits_desc(limits_count()));
	assert_null(limits_find("no-such-limit"));
}

static void
test_parse(void **state)
{
	struct limits	l;
	struct errmsg	e = { "" };

	(void)state;
	limits_init(&l);
	assert_int_equal(limits_set(&l, limits_find("max-packet"), "128K", &e), 0);
	assert_int_equal(l.max_packet, 128 << 10);
	assert_int_equal(limits_set(&l, limits_find("max-packet"), "1M", &e), 0);
	assert_int_equal(limits_set(&l, limits_find("max-packet"), "2M", &e),
	    -ERANGE);
	assert_non_null(strstr(e.text, "max-packet"));
	assert_int_equal(l.max_packet, 1 << 20);	/* unchanged */
	assert_int_equal(limits_set(&l, limits_find("max-packet"), "1K", &e),
	    -ERANGE);
	assert_int_equal(limits_set(&l, limits_find("max-segment-size"), "2G",
	    &e), 0);
	assert_int_equal(l.max_segment_size, 2ULL << 30);
	assert_int_equal(limits_set(&l, limits_find("max-total-bytes"), "lots",
	    &e), -EINVAL);
	assert_int_equal(limits_set(&l, limits_find("max-name"), "1025", &e),
	    -ERANGE);
	assert_int_equal(limits_set(&l, limits_find("max-name"), "1024", &e), 0);
	assert_int_equal(limits_set(&l, limits_find("max-ndim"), "65", &e),
	    -ERANGE);
	assert_int_equal(limits_set(&l, limits_find("max-ndim"), "0", &e), 0);
	assert_int_equal(limits_set(&l, limits_find("max-views"), "4M", &e),
	    -EINVAL);	/* counts take no suffix */
	assert_int_equal(limits_set(&l, limits_find("max-views"), "-1", &e),
	    -EINVAL);
	assert_int_equal(limits_set(&l, limits_find("max-views"),
	    "99999999999999999999999", &e), -ERANGE);
	assert_int_equal(limits_set(&l, limits_find("max-views"), "12abc", &e),
	    -EINVAL);
}

static void
test_segment_quota(void **state)
{
	struct limits	l;
	struct usage	total = { 0 }, uid = { 0 };
	struct errmsg	e = { "" };

	(void)state;
	limits_init(&l);
	l.max_segment_size = 1000;
	l.max_total_bytes = 3000;
	l.max_bytes_per_uid = 2000;
	l.max_segments = 10;
	l.max_segments_per_uid = 3;
	assert_int_equal(limits_check_segment(&l, &total, &uid, 1000, &e), 0);
	assert_int_equal(limits_check_segment(&l, &total, &uid, 1001, &e), -EFBIG);
	assert_non_null(strstr(e.text, "max-segment-size"));
	uid.bytes = 1500;
	total.bytes = 1500;
	assert_int_equal(limits_check_segment(&l, &total, &uid, 500, &e), 0);
	assert_int_equal(limits_check_segment(&l, &total, &uid, 501, &e), -EDQUOT);
	uid.bytes = 0;
	total.bytes = 2500;
	assert_int_equal(limits_check_segment(&l, &total, &uid, 501, &e), -ENOSPC);
	total.bytes = 0;
	uid.segments = 3;
	assert_int_equal(limits_check_segment(&l, &total, &uid, 1, &e), -EDQUOT);
	uid.segments = 0;
	total.segments = 10;
	assert_int_equal(limits_check_segment(&l, &total, &uid, 1, &e), -ENOSPC);
	/* No wrap-around on huge sizes or usage. */
	total.segments = 0;
	l.max_segment_size = UINT64_MAX;
	l.max_bytes_per_uid = UINT64_MAX;
	uid.bytes = UINT64_MAX - 10;
	assert_int_equal(limits_check_segment(&l, &total, &uid, 100, &e), -EDQUOT);
	uid.bytes = 0;
	assert_int_equal(limits_check_segment(&l, &total, &uid, UINT64_MAX, &e),
	    -ENOSPC);
}

static void
test_view_quota(void **state)
{
	struct limits	l;
	struct usage	total = { 0 }, uid = { 0 };

	(void)state;
	limits_init(&l);
	l.max_views = 5;
	l.max_views_per_uid = 2;
	assert_int_equal(limits_check_view(&l, &total, &uid, NULL), 0);
	uid.views = 2;
	assert_int_equal(limits_check_view(&l, &total, &uid, NULL), -EDQUOT);
	uid.views = 0;
	total.views = 5;
	assert_int_equal(limits_check_view(&l, &total, &uid, NULL), -ENOSPC);
}

static void
test_help_lists_every_limit(void **state)
{
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&text, &len);
	char	 opt[64];

	(void)state;
	assert_non_null(f);
	options_usage(f);
	fclose(f);
	for (size_t i = 0; i < limits_count(); i++) {
		snprintf(opt, sizeof(opt), "--%s=", limits_desc(i)->option);
		if (strstr(text, opt) == NULL)
			fail_msg("--help does not mention %s", opt);
	}
	assert_non_null(strstr(text, "(default 64 KiB"));
	assert_non_null(strstr(text, "--socket-mode"));
	assert_non_null(strstr(text, "--ready-fd"));
	free(text);
}

static int
parse(struct options *o, struct errmsg *e, ...)
{
	char	*argv[32];
	int	 argc = 0;
	va_list	 ap;

	argv[argc++] = (char *)"mviewd";
	va_start(ap, e);
	while ((argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	return options_parse(o, argc, argv, e);
}

static void
test_options(void **state)
{
	struct options	o;
	struct errmsg	e = { "" };

	(void)state;
	setenv("MVIEW_SOCKET", "/tmp/env.sock", 1);
	assert_int_equal(options_init(&o), 0);
	assert_string_equal(o.socket_path, "/tmp/env.sock");
	assert_int_equal(o.socket_mode, 0660);
	assert_int_equal(o.ready_fd, -1);
	assert_int_equal(parse(&o, &e, "-s", "/tmp/x.sock", "--socket-mode",
	    "0600", "-vv", "--max-packet", "256K", "--max-views=10",
	    "--ready-fd", "2", "--socket-group", "0", NULL), 0);
	assert_string_equal(o.socket_path, "/tmp/x.sock");
	assert_int_equal(o.socket_mode, 0600);
	assert_int_equal(o.socket_gid, 0);
	assert_int_equal(o.log_level, LOG_DEBUG);
	assert_int_equal(o.limits.max_packet, 256 << 10);
	assert_int_equal(o.limits.max_views, 10);
	assert_int_equal(o.ready_fd, 2);
	assert_int_equal(parse(&o, &e, "--log-level", "warning", NULL), 0);
	assert_int_equal(o.log_level, LOG_WARNING);
	assert_int_equal(parse(&o, &e, "--log-level", "loud", NULL), -EINVAL);
	assert_int_equal(parse(&o, &e, "--socket-mode", "999", NULL), -EINVAL);
	assert_int_equal(parse(&o, &e, "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(e.text, "--bogus"));
	assert_int_equal(parse(&o, &e, "--max-packet", NULL), -EINVAL);
	assert_int_equal(parse(&o, &e, "--max-ndim", "100", NULL), -ERANGE);
	assert_int_equal(parse(&o, &e, "--ready-fd", "999", NULL), -EINVAL);
	assert_int_equal(parse(&o, &e, "extra", NULL), -EINVAL);
	assert_int_equal(parse(&o, &e, "--socket-group",
	    "no-such-group-really", NULL), -ENOENT);
	options_free(&o);
	unsetenv("MVIEW_SOCKET");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_segment_quota),
		cmocka_unit_test(test_view_quota),
		cmocka_unit_test(test_help_lists_every_limit),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
