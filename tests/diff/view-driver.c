/* SPDX-License-Identifier: MIT */
/* Line-protocol driver that lets view-diff.py run the view algebra. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

/*
 * One command per line on stdin, one answer line on stdout:
 *   buf B HEX                      buffer B holds these bytes
 *   view S B OFF FMT ISZ RO N SHAPE... STRIDES...   slot S (validated)
 *   sub S2 S FLAGS N KEY...        KEY: iINT | sSTART:STOP:STEP (_ None) | e
 *   set S FLAGS N KEY... VALUE     VALUE: I U G F B Y O V (see parse_value)
 *   cast S2 S FMT N|- SHAPE...     T S2 S N|- PERM...
 *   reshape S2 S N SHAPE...        ro S2 S
 *   show S   hex S SEP|- BPS   tobytes S ORDER   dump B
 * Answers: "ok", "view", "item REPR", "fill", "err CLASS\tMESSAGE", or
 * the requested text.
 */

#define NBUF	4
#define NSLOT	64
#define NTOK	(2 * VIEW_MAX_NDIM + 32)

struct slot {
	struct view_desc d;
	int		 buf;
	bool		 set;
};

static uint8_t		*bufs[NBUF];
static size_t		 buflen[NBUF];
static struct slot	 slots[NSLOT];

static void
answer_err(const struct view_error *err)
{
	printf("err %s\t%s\n", view_errclass_name(err->cls), err->msg);
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	    c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode hex into a malloc'd buffer (at least one byte allocated). */
static uint8_t *
unhex(const char *s, size_t *ret_len)
{
	size_t	 n = strlen(s) / 2, i;
	uint8_t	*p = calloc(n ? n : 1, 1);

	if (p == NULL)
		abort();
	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
	*ret_len = n;
	return p;
}

static void
put_hex(const void *p, size_t n)
{
	char	*t = malloc(view_hex_len(n, -1, 0) + 1);

	if (t == NULL)
		abort();
	view_hex(p, n, -1, 0, t);
	fputs(t, stdout);
	free(t);
}

static struct slot *
slot_at(const char *s)
{
	int	i = atoi(s);

	if (i < 0 || i >= NSLOT)
		abort();
	return &slots[i];
}

static void
cmd_buf(char **tok, int ntok)
{
	int	b = atoi(tok[1]);

	if (b < 0 || b >= NBUF)
		abort();
	free(bufs[b]);
	bufs[b] = unhex(ntok > 2 ? tok[2] : "", &buflen[b]);
	puts("ok");
}

static void
cmd_view(char **tok, int ntok)
{
	struct slot	 *s = slot_at(tok[1]);
	struct view_desc  d;
	struct view_error err;
	int		  i, n = atoi(tok[7]);

	if (n < 0 || n > VIEW_MAX_NDIM || ntok < 8 + 2 * n)
		abort();
	memset(&d, 0, sizeof(d));
	d.offset = strtoll(tok[3], NULL, 10);
	snprintf(d.format, sizeof(d.format), "%s", tok[4]);
	d.itemsize = strtoll(tok[5], NULL, 10);
	d.readonly = atoi(tok[6]);
	d.ndim = n;
	for (i = 0; i < n; i++) {
		d.shape[i] = strtoll(tok[8 + i], NULL, 10);
		d.strides[i] = strtoll(tok[8 + n + i], NULL, 10);
	}
	s->buf = atoi(tok[2]);
	if (view_validate(&d, buflen[s->buf], VIEW_MAX_NDIM, &err) < 0) {
		answer_err(&err);
		return;
	}
	s->d = d;
	s->set = true;
	puts("ok");
}

/* "_" is None. */
static bool
opt_int(const char *s, int64_t *ret)
{
	if (strcmp(s, "_") == 0)
		return false;
	*ret = strtoll(s, NULL, 10);
	return true;
}

static void
parse_key(const char *t, struct view_key *k)
{
	char	a[32], b[32], c[32];

	memset(k, 0, sizeof(*k));
	if (t[0] == 'e') {
		k->kind = VIEW_KEY_ELLIPSIS;
	} else if (t[0] == 'i') {
		k->kind = VIEW_KEY_INDEX;
		k->index = strtoll(t + 1, NULL, 10);
	} else {
		if (sscanf(t + 1, "%31[^:]:%31[^:]:%31s", a, b, c) != 3)
			abort();
		k->kind = VIEW_KEY_SLICE;
		k->has_start = opt_int(a, &k->start);
		k->has_stop = opt_int(b, &k->stop);
		k->has_step = opt_int(c, &k->step);
	}
}

static int
parse_keys(char **tok, int ntok, struct view_key *keys, int *ret_n)
{
	int	n = atoi(tok[0]), i;

	if (n < 0 || n > NTOK || 1 + n > ntok)
		abort();
	for (i = 0; i < n; i++)
		parse_key(tok[1 + i], &keys[i]);
	*ret_n = n;
	return 1 + n;
}

static void
answer_item(const struct slot *s, const struct view_desc *item)
{
	struct view_value v;
	struct view_error err;
	char		  text[64];

	if (view_unpack(item->format, bufs[s->buf] + item->offset, &v,
	    &err) < 0) {
		answer_err(&err);
		return;
	}
	view_value_text(&v, 0, text, sizeof(text));
	printf("item %s\n", text);
}

static void
cmd_sub(char **tok, int ntok)
{
	struct slot	 *dst = slot_at(tok[1]), *src = slot_at(tok[2]);
	struct view_key	  keys[NTOK];
	struct view_desc  v;
	struct view_error err;
	int		  n, r;

	parse_keys(tok + 4, ntok - 4, keys, &n);
	r = view_subscript(&src->d, keys, n, strtoul(tok[3], NULL, 0), &v,
	    &err);
	if (r < 0)
		answer_err(&err);
	else if (r == VIEW_SUB_ITEM)
		answer_item(src, &v);
	else {
		dst->d = v;
		dst->buf = src->buf;
		dst->set = true;
		puts("view");
	}
}

struct value {
	struct view_value v;
	const char	 *type;		/* Python type name */
	int		  slot;		/* V: the view given */
	uint8_t		 *bytes;	/* Y: the bytes */
	size_t		  nbytes;
};

static double
bits_double(const char *s)
{
	uint64_t u = strtoull(s, NULL, 16);
	double	 x;

	memcpy(&x, &u, sizeof(x));
	return x;
}

static void
parse_value(const char *t, struct value *val)
{
	memset(val, 0, sizeof(*val));
	val->slot = -1;
	val->type = "int";
	switch (t[0]) {
	case 'I': val->v.type = VIEW_VALUE_INT;
		val->v.i = strtoll(t + 1, NULL, 10); break;
	case 'U': val->v.type = VIEW_VALUE_UINT;
		val->v.u = strtoull(t + 1, NULL, 10); break;
	case 'G': val->v.type = VIEW_VALUE_BIGINT;
		val->v.f = bits_double(t + 1); break;
	case 'F': val->v.type = VIEW_VALUE_FLOAT; val->type = "float";
		val->v.f = bits_double(t + 1); break;
	case 'B': val->v.type = VIEW_VALUE_BOOL; val->type = "bool";
		val->v.b = t[1] == '1'; break;
	case 'O': val->v.type = VIEW_VALUE_OTHER; val->type = t + 2;
		val->v.b = t[1] == '1'; break;
	case 'V': val->slot = atoi(t + 1); val->type = "memoryview"; break;
	case 'Y': val->bytes = unhex(t + 1, &val->nbytes); val->type = "bytes";
		if (val->nbytes == 1) {
			val->v.type = VIEW_VALUE_BYTE;
			val->v.c = val->bytes[0];
		} else {
			val->v.type = VIEW_VALUE_BYTES;
			val->v.n = val->nbytes;
		}
		break;
	default: abort();
	}
}

/* The value as CPython's pack_single() sees a view object: not a number,
 * its truth is len() (TypeError for a 0-dim one). */
static int
view_as_value(const char *format, const struct value *val,
    struct view_value *ret, struct view_error *err)
{
	const struct view_desc *d = &slots[val->slot].d;

	if (d->ndim == 0 && view_format_kind(format) == VIEW_KIND_BOOL) {
		err->cls = VIEW_ERR_TYPE;
		snprintf(err->msg, sizeof(err->msg),
		    "0-dim memory has no length");
		return -EINVAL;
	}
	ret->type = VIEW_VALUE_OTHER;
	ret->b = d->ndim == 0 || d->shape[0] != 0;
	return 0;
}

/* A buffer value: the view slot, or bytes as a 1-D 'B' view. */
static void
value_buffer(const struct value *val, struct view_desc *d,
    const uint8_t **ret_base)
{
	if (val->slot >= 0) {
		*d = slots[val->slot].d;
		*ret_base = bufs[slots[val->slot].buf];
		return;
	}
	view_init(d, 0, 0, "B", 1, 1, (const int64_t[]){ (int64_t)val->nbytes },
	    NULL, true, NULL);
	*ret_base = val->bytes;
}

static int
store(const struct slot *s, const struct view_desc *t, int kind,
    const struct value *val, struct view_error *err)
{
	struct view_desc  src;
	struct view_value v = val->v;
	const uint8_t	 *sbase;
	int		  r;

	if (kind == VIEW_SUB_ITEM) {
		if (val->slot >= 0 &&
		    (r = view_as_value(t->format, val, &v, err)) < 0)
			return r;
		return view_pack(t->format, bufs[s->buf] + t->offset, &v, err);
	}
	if (kind == VIEW_SUB_VIEW && val->slot < 0 && val->bytes == NULL) {
		err->cls = VIEW_ERR_TYPE;
		snprintf(err->msg, sizeof(err->msg),
		    "a bytes-like object is required, not '%s'", val->type);
		return -EINVAL;
	}
	if (kind == VIEW_SUB_FILL && val->slot < 0)
		return view_fill(t, bufs[s->buf], &v, err);
	value_buffer(val, &src, &sbase);
	return view_assign(t, bufs[s->buf], &src, sbase, err);
}

static void
cmd_set(char **tok, int ntok)
{
	struct slot	 *s = slot_at(tok[1]);
	struct view_key	  keys[NTOK];
	struct view_desc  t;
	struct view_error err;
	struct value	  val;
	unsigned	  flags;
	int		  n, used, r;

	flags = strtoul(tok[2], NULL, 0) | VIEW_SUBSCRIPT_STORE;
	used = parse_keys(tok + 3, ntok - 3, keys, &n);
	if (3 + used >= ntok)
		abort();
	parse_value(tok[3 + used], &val);
	if (val.slot < 0 && val.bytes == NULL)
		flags |= VIEW_SUBSCRIPT_SCALAR;
	if ((r = view_subscript(&s->d, keys, n, flags, &t, &err)) < 0 ||
	    (r = store(s, &t, r, &val, &err)) < 0)
		answer_err(&err);
	else
		puts("ok");
	free(val.bytes);
}

static void
set_result(struct slot *dst, const struct slot *src, int r,
    const struct view_desc *v, const struct view_error *err)
{
	if (r < 0) {
		answer_err(err);
		return;
	}
	dst->d = *v;
	dst->buf = src->buf;
	dst->set = true;
	puts("view");
}

static int
parse_dims(char **tok, int ntok, int64_t *dims)
{
	int	n, i;

	if (strcmp(tok[0], "-") == 0)
		return -1;
	n = atoi(tok[0]);
	if (n < 0 || n > NTOK || 1 + n > ntok)
		abort();
	for (i = 0; i < n; i++)
		dims[i] = strtoll(tok[1 + i], NULL, 10);
	return n;
}

static void
cmd_derive(char **tok, int ntok)
{
	struct slot	 *dst = slot_at(tok[1]), *src = slot_at(tok[2]);
	struct view_desc  v;
	struct view_error err;
	int64_t		  dims[NTOK];
	int		  n, r;

	if (strcmp(tok[0], "cast") == 0) {
		n = parse_dims(tok + 4, ntok - 4, dims);
		r = view_cast(&src->d, tok[3], n, dims, &v, &err);
	} else if (strcmp(tok[0], "T") == 0) {
		n = parse_dims(tok + 3, ntok - 3, dims);
		r = view_transpose(&src->d, n < 0 ? NULL : dims, n, &v, &err);
	} else if (strcmp(tok[0], "reshape") == 0) {
		n = parse_dims(tok + 3, ntok - 3, dims);
		r = view_reshape(&src->d, n, dims, &v, &err);
	} else {
		view_toreadonly(&src->d, &v);
		r = 0;
	}
	set_result(dst, src, r, &v, &err);
}

static void
show_text(const struct slot *s, unsigned flags)
{
	struct view_error err;
	char		 *text;

	if (view_tolist_text(&s->d, bufs[s->buf], flags, 0, &text, &err) < 0) {
		printf("!%s %s", view_errclass_name(err.cls), err.msg);
		return;
	}
	fputs(text, stdout);
	free(text);
}

static void
show_bytes(const struct slot *s, char order)
{
	int64_t	 n;
	uint8_t	*p;

	if (view_nbytes(&s->d, &n) < 0 || (p = malloc(n ? n : 1)) == NULL)
		abort();
	if (view_tobytes(&s->d, bufs[s->buf], order, p, n, NULL) < 0)
		abort();
	printf("\t%c ", order);
	put_hex(p, n);
	free(p);
}

static void
cmd_show(char **tok, int ntok)
{
	const struct slot *s = slot_at(tok[1]);
	const struct view_desc *d = &s->d;
	int64_t		   n;
	int		   i;

	view_nbytes(d, &n);
	printf("desc %" PRId64 " %s %" PRId64 " %d %d", d->offset, d->format,
	    d->itemsize, d->readonly, d->ndim);
	for (i = 0; i < 2 * d->ndim; i++)
		printf(" %" PRId64, i < d->ndim ? d->shape[i] :
		    d->strides[i - d->ndim]);
	printf(" %d %d %d %" PRId64 "\t", view_is_c_contiguous(d),
	    view_is_f_contiguous(d), view_is_contiguous(d, 'A'), n);
	show_text(s, 0);
	putchar('\t');
	show_text(s, VIEW_TEXT_JSON);
	show_bytes(s, 'C');
	show_bytes(s, 'F');
	show_bytes(s, 'A');
	putchar('\n');
}

static void
cmd_hex(char **tok, int ntok)
{
	const struct slot *s = slot_at(tok[1]);
	struct view_error  err;
	char		  *text;
	int		   sep = -1;

	if (strcmp(tok[2], "-") != 0)
		sep = hexval(tok[2][0]) << 4 | hexval(tok[2][1]);
	if (view_hex_text(&s->d, bufs[s->buf], sep, atoi(tok[3]), &text,
	    &err) < 0) {
		answer_err(&err);
		return;
	}
	printf("hex %s\n", text);
	free(text);
}

static void
cmd_tobytes(char **tok, int ntok)
{
	const struct slot *s = slot_at(tok[1]);
	struct view_error  err;
	int64_t		   n;
	uint8_t		  *p;

	if (view_nbytes(&s->d, &n) < 0 || (p = malloc(n ? n : 1)) == NULL)
		abort();
	if (view_tobytes(&s->d, bufs[s->buf], tok[2][0], p, n, &err) < 0)
		answer_err(&err);
	else {
		fputs("bytes ", stdout);
		put_hex(p, n);
		putchar('\n');
	}
	free(p);
}

static void
cmd_dump(char **tok, int ntok)
{
	int	b = atoi(tok[1]);

	fputs("dump ", stdout);
	put_hex(bufs[b], buflen[b]);
	putchar('\n');
}

static int
split(char *line, char **tok)
{
	int	n = 0;
	char	*p;

	for (p = strtok(line, " \n"); p != NULL && n < NTOK;
	    p = strtok(NULL, " \n"))
		tok[n++] = p;
	return n;
}

static const struct {
	const char *name;
	int	    min;
	void	  (*fn)(char **, int);
} commands[] = {
	{ "buf", 2, cmd_buf }, { "view", 8, cmd_view }, { "sub", 5, cmd_sub },
	{ "set", 5, cmd_set }, { "cast", 4, cmd_derive },
	{ "T", 4, cmd_derive }, { "reshape", 4, cmd_derive },
	{ "ro", 3, cmd_derive }, { "show", 2, cmd_show },
	{ "hex", 4, cmd_hex }, { "tobytes", 3, cmd_tobytes },
	{ "dump", 2, cmd_dump },
};

int
main(void)
{
	static char line[1 << 20];
	char	   *tok[NTOK];
	size_t	    i;
	int	    n;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		if ((n = split(line, tok)) == 0)
			continue;
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(tok[0], commands[i].name) == 0)
				break;
		if (i == sizeof(commands) / sizeof(commands[0]) ||
		    n < commands[i].min) {
			fprintf(stderr, "view-driver: bad command %s\n",
			    tok[0]);
			return 2;
		}
		commands[i].fn(tok, n);
		fflush(stdout);
	}
	return 0;
}
