/* SPDX-License-Identifier: MIT */
/*
 * value-text: mview_value_text() on values read from stdin, for
 * test-value-text.sh to compare with CPython's repr() and json.dumps().
 * Each line is a kind and its argument: "i -5", "u 18446744073709551615",
 * "f 3fb999999999999a" (a double's bits), "b 1", "c 27" (a byte, hex);
 * each output line is the repr text, a tab, the JSON text.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mview.h"

static int
parse_line(const char *line, struct mview_value *v)
{
	char		kind;
	char		arg[64];
	uint64_t	bits;

	if (sscanf(line, "%c %63s", &kind, arg) != 2)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	switch (kind) {
	case 'i':
		v->type = MVIEW_VALUE_INT;
		v->i = strtoll(arg, NULL, 10);
		return 0;
	case 'u':
		v->type = MVIEW_VALUE_UINT;
		v->u = strtoull(arg, NULL, 10);
		return 0;
	case 'f':
		v->type = MVIEW_VALUE_FLOAT;
		bits = strtoull(arg, NULL, 16);
		memcpy(&v->f, &bits, sizeof(v->f));
		return 0;
	case 'b':
		v->type = MVIEW_VALUE_BOOL;
		v->b = arg[0] == '1';
		return 0;
	case 'c':
		v->type = MVIEW_VALUE_BYTE;
		v->c = (unsigned char)strtoul(arg, NULL, 16);
		return 0;
	default:
		return -EINVAL;
	}
}

int
main(void)
{
	struct mview_value	v;
	char			line[128], repr[MVIEW_VALUE_TEXT_MAX];
	char			json[MVIEW_VALUE_TEXT_MAX];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if (parse_line(line, &v) < 0) {
			fprintf(stderr, "value-text: bad line: %s", line);
			return 2;
		}
		if (mview_value_text(&v, 0, repr, sizeof(repr)) < 0 ||
		    mview_value_text(&v, MVIEW_TEXT_JSON, json,
		    sizeof(json)) < 0) {
			fprintf(stderr, "value-text: mview_value_text failed\n");
			return 1;
		}
		printf("%s\t%s\n", repr, json);
	}
	return 0;
}
