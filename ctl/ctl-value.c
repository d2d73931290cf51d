/* SPDX-License-Identifier: MIT */
/* mviewctl dump and set: element values parsed from the command line, shown by the library's renderer. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

/* The format's character without '@', or 0 when it is not a native one. */
static char
format_char(const char *format)
{
	if (format[0] == '@')
		format++;
	if (format[0] == '\0' || format[1] != '\0' ||
	    strchr("cbB?hHeiIflLqQnNPd", format[0]) == NULL)
		return 0;
	return format[0];
}

static int
parse_int_value(const char *text, bool is_unsigned, struct mview_value *v)
{
	char	*end;

	errno = 0;
	if (is_unsigned && text[0] != '-') {
		v->type = MVIEW_VALUE_UINT;
		v->u = strtoull(text, &end, 10);
	} else {
		v->type = MVIEW_VALUE_INT;	/* negative: the library says "invalid value" */
		v->i = strtoll(text, &end, 10);
	}
	return end == text || *end != '\0' || errno != 0 ? -EINVAL : 0;
}

/* VALUE for an element of format: -EINVAL (bad text), -ENOTSUP (format). */
static int
parse_value(const char *format, const char *text, struct mview_value *v)
{
	char	c = format_char(format), *end;

	switch (c) {
	case 0:
		return -ENOTSUP;
	case 'c':
		v->type = MVIEW_VALUE_BYTE;
		if (strlen(text) == 1) {
			v->c = (unsigned char)text[0];
			return 0;
		}
		if (strlen(text) != 4 || text[0] != '\\' || text[1] != 'x' ||
		    !isxdigit((unsigned char)text[2]) ||
		    !isxdigit((unsigned char)text[3]))
			return -EINVAL;
		v->c = (unsigned char)strtoul(text + 2, NULL, 16);
		return 0;
	case '?':
		v->type = MVIEW_VALUE_BOOL;
		if (!strcmp(text, "true") || !strcmp(text, "True") || !strcmp(text, "1"))
			v->b = true;
		else if (!strcmp(text, "false") || !strcmp(text, "False") || !strcmp(text, "0"))
			v->b = false;
		else
			return -EINVAL;
		return 0;
	case 'e': case 'f': case 'd':
		v->type = MVIEW_VALUE_FLOAT;
		v->f = strtod(text, &end);
		return end == text || *end != '\0' ? -EINVAL : 0;
	default:
		return parse_int_value(text, strchr("BHILQNP", c) != NULL, v);
	}
}

static int
dump_options(struct ctl *ctl, int argc, char **argv, uint64_t *limit,
    const char **slice)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "slice", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	int	 c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			errno = 0;
			*limit = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    optarg[0] == '-')
				return ctl_usage(ctl, "bad --limit '%s'", optarg);
			break;
		case 'k':
			*slice = optarg;
			break;
		case 'h':
			ctl_help_command(ctl);
			return -1;
		default:
			return ctl_bad_option(ctl, argv);
		}
	}
	return ctl_check_args(ctl, argc, 1, 1);
}

/* Print text (a tolist() or one value) of view v, named name. */
static int
dump_print(struct ctl *ctl, const char *name, const struct mview_view *v,
    const char *key, const char *text)
{
	const struct mview_desc	*d;
	struct json		 j;

	if (!ctl->json) {
		printf("%s\n", text);
		return CTL_EXIT_OK;
	}
	if ((d = mview_view_desc(v)) == NULL)
		return ctl_fail(ctl, -ENOMEM, "dump %s", name);
	json_begin(&j, stdout);
	json_object_open(&j, NULL);
	json_string(&j, "name", name);
	json_string(&j, "format", d->format);
	if (key == NULL)
		json_i64_array(&j, "shape", d->shape, d->ndim);
	json_raw(&j, key == NULL ? "values" : "value", text);
	json_object_close(&j);
	json_end(&j);
	return CTL_EXIT_OK;
}

/* Print the element at item of v. */
static int
dump_item(struct ctl *ctl, const char *name, struct mview_view *v, void *item)
{
	struct mview_value	val;
	struct mview_error	e = { 0 };
	char			text[MVIEW_VALUE_TEXT_MAX];
	int			r;

	if ((r = mview_view_get_item(v, item, &val, &e)) < 0)
		return ctl_fail_view(ctl, r, &e, name);
	mview_value_text(&val, ctl->json ? MVIEW_TEXT_JSON : 0, text,
	    sizeof(text));
	return dump_print(ctl, name, v, "value", text);
}

int
cmd_dump(struct ctl *ctl, int argc, char **argv)
{
	struct mview_view	*v;
	struct mview_error	 e = { 0 };
	const char		*slice = NULL, *name;
	uint64_t		 limit = 0;
	void			*item = NULL;
	char			*text;
	int			 r;

	if ((r = dump_options(ctl, argc, argv, &limit, &slice)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	name = argv[optind];
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_open_view(ctl, name, false, &v)) != 0)
		return r;
	if (slice != NULL && (r = ctl_apply_slice(ctl, &v, slice, &item)) != 0)
		goto out;
	if (item != NULL) {
		r = dump_item(ctl, name, v, item);
		goto out;
	}
	r = mview_view_tolist_text(v, ctl->json ? MVIEW_TEXT_JSON : 0, limit,
	    &text, &e);
	if (r < 0) {
		r = ctl_fail_view(ctl, r, &e, name);
		goto out;
	}
	r = dump_print(ctl, name, v, NULL, text);
	free(text);
out:
	mview_view_release(v);
	return r;
}

/* set's arguments: only --help, and none after the first positional,
 * so that negative numbers stay values. */
static int
set_options(struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int	c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c != 'h')
			return ctl_bad_option(ctl, argv);
		ctl_help_command(ctl);
		return -1;
	}
	return ctl_check_args(ctl, argc, 3, 3);
}

static void
set_print(struct ctl *ctl, const char *name, const int64_t *index, int n,
    const struct mview_value *val)
{
	struct json	j;
	char		text[MVIEW_VALUE_TEXT_MAX], idx[256];

	mview_value_text(val, ctl->json ? MVIEW_TEXT_JSON : 0, text,
	    sizeof(text));
	if (!ctl->json) {
		idx[0] = '\0';
		for (int i = 0; i < n; i++)
			snprintf(idx + strlen(idx), sizeof(idx) - strlen(idx),
			    "%s%" PRId64, i ? ", " : "", index[i]);
		printf("%s[%s] = %s\n", name, n == 0 ? "()" : idx, text);
		return;
	}
	json_begin(&j, stdout);
	json_object_open(&j, NULL);
	json_string(&j, "done", "set");
	json_string(&j, "name", name);
	json_i64_array(&j, "index", index, n);
	json_raw(&j, "value", text);
	json_object_close(&j);
	json_end(&j);
}

int
cmd_set(struct ctl *ctl, int argc, char **argv)
{
	const struct mview_desc	*d;
	struct mview_view	*v;
	struct mview_value	 val;
	struct mview_error	 e = { 0 };
	int64_t			 index[MVIEW_MAX_NDIM];
	const char		*name, *idx, *text;
	int			 n, r;

	if ((r = set_options(ctl, argc, argv)) != 0)
		return r < 0 ? CTL_EXIT_OK : r;
	name = argv[optind];
	idx = argv[optind + 1];
	text = argv[optind + 2];
	if (strcmp(idx, "()") == 0)
		idx = "";
	if (parse_i64_list(idx, index, MVIEW_MAX_NDIM, &n) < 0)
		return ctl_usage(ctl, "bad index '%s' (like 3 or 1,2)", idx);
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_open_view(ctl, name, true, &v)) != 0)
		return r;
	if ((d = mview_view_desc(v)) == NULL)
		r = ctl_fail(ctl, -ENOMEM, "set %s", name);
	else if ((r = parse_value(d->format, text, &val)) == -ENOTSUP)
		r = ctl_fail(ctl, r, "%s: format '%s' not supported", name,
		    d->format);
	else if (r < 0)
		r = ctl_usage(ctl, "bad value '%s' for format '%s'", text,
		    d->format);
	else if ((r = mview_view_set(v, index, n, &val, &e)) < 0)
		r = ctl_fail_view(ctl, r, &e, name);
	else {
		set_print(ctl, name, index, n, &val);
		r = CTL_EXIT_OK;
	}
	mview_view_release(v);
	return r;
}
