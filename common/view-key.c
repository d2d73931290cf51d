/* SPDX-License-Identifier: MIT */
/* Python's slice arithmetic, and subscripts written as text ("1:3,::2"). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "view-internal.h"

/* PySlice_AdjustIndices() for one bound. */
static int64_t
adjust_bound(int64_t x, int64_t length, int64_t step)
{
	if (x < 0) {
		x += length;
		if (x < 0)
			x = step < 0 ? -1 : 0;
	} else if (x >= length)
		x = step < 0 ? length - 1 : length;
	return x;
}

int
view_slice_adjust(const struct view_key *key, int64_t length,
    int64_t *ret_start, int64_t *ret_step, int64_t *ret_len,
    struct view_error *err)
{
	int64_t	start, stop, step, len = 0;

	step = key->has_step ? key->step : 1;
	if (step == 0)
		return view_err(err, VIEW_ERR_VALUE,
		    "slice step cannot be zero");
	if (step < -INT64_MAX)
		step = -INT64_MAX;
	start = key->has_start ? key->start : step < 0 ? INT64_MAX : 0;
	stop = key->has_stop ? key->stop : step < 0 ? INT64_MIN : INT64_MAX;
	start = adjust_bound(start, length, step);
	stop = adjust_bound(stop, length, step);
	if (step < 0 && stop < start)
		len = (start - stop - 1) / (-step) + 1;
	else if (step > 0 && start < stop)
		len = (stop - start - 1) / step + 1;
	*ret_start = start;
	*ret_step = step;
	*ret_len = len;
	return 0;
}

static const char *
skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* An optional int; *ret_has tells whether there was one. */
static int
parse_int(const char **sp, int64_t *ret, bool *ret_has)
{
	const char	*s = skip_space(*sp);
	char		*end;
	long long	 v;

	*ret_has = false;
	if (*s != '-' && *s != '+' && (*s < '0' || *s > '9')) {
		*sp = s;
		return 0;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || errno == ERANGE)
		return -EINVAL;
	*ret = v;
	*ret_has = true;
	*sp = skip_space(end);
	return 0;
}

/* One item: "...", "i", or "[start]:[stop][:[step]]". */
static int
parse_item(const char **sp, struct view_key *k)
{
	const char	*s = skip_space(*sp);
	bool		 has;

	memset(k, 0, sizeof(*k));
	if (strncmp(s, "...", 3) == 0) {
		k->kind = VIEW_KEY_ELLIPSIS;
		*sp = skip_space(s + 3);
		return 0;
	}
	if (parse_int(&s, &k->start, &k->has_start) < 0)
		return -EINVAL;
	if (*s != ':') {
		if (!k->has_start)
			return -EINVAL;
		k->kind = VIEW_KEY_INDEX;
		k->index = k->start;
		k->start = 0;
		k->has_start = false;
		*sp = s;
		return 0;
	}
	k->kind = VIEW_KEY_SLICE;
	s++;
	if (parse_int(&s, &k->stop, &k->has_stop) < 0)
		return -EINVAL;
	if (*s == ':') {
		s++;
		if (parse_int(&s, &k->step, &has) < 0)
			return -EINVAL;
		k->has_step = has;
	}
	*sp = s;
	return 0;
}

int
view_key_parse(const char *text, struct view_key *keys, size_t maxkeys,
    size_t *ret_nkeys, unsigned *ret_flags, struct view_error *err)
{
	const char	*s = skip_space(text);
	size_t		 n = 0;
	unsigned	 flags = 0;

	if (s[0] == '(' && *skip_space(s + 1) == ')' &&
	    *skip_space(skip_space(s + 1) + 1) == '\0') {
		*ret_nkeys = 0;
		*ret_flags = VIEW_SUBSCRIPT_TUPLE;
		return 0;
	}
	for (;;) {
		if (n == maxkeys)
			return view_err(err, VIEW_ERR_VALUE,
			    "subscript has more than %zu items", maxkeys);
		if (parse_item(&s, &keys[n]) < 0)
			return view_err(err, VIEW_ERR_VALUE,
			    "invalid subscript '%s'", text);
		n++;
		if (*s != ',')
			break;
		flags |= VIEW_SUBSCRIPT_TUPLE;
		s = skip_space(s + 1);
		if (*s == '\0')
			break;
	}
	if (*s != '\0')
		return view_err(err, VIEW_ERR_VALUE, "invalid subscript '%s'",
		    text);
	*ret_nkeys = n;
	*ret_flags = flags;
	return 0;
}
