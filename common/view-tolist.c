/* SPDX-License-Identifier: MIT */
/* tolist() rendered as text, for mviewctl dump and the tests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "view-internal.h"

void
view_buf_add(struct view_buf *b, const char *s, size_t n)
{
	size_t	cap;
	char	*p;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->s, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
view_buf_puts(struct view_buf *b, const char *s)
{
	view_buf_add(b, s, strlen(s));
}

struct tolist {
	const struct view_desc	*d;
	const uint8_t		*base;
	struct view_buf		 out;
	unsigned		 flags;
	uint64_t		 limit, count;
	bool			 stopped;
};

static int
put_item(struct tolist *t, int64_t off, struct view_error *err)
{
	struct view_value v;
	char		  text[64];
	int		  r;

	if ((r = view_unpack(t->d->format, t->base + off, &v, err)) < 0)
		return r;
	view_buf_add(&t->out, text, view_value_text(&v, t->flags, text,
	    sizeof(text)));
	t->count++;
	return 0;
}

/* One list level; past the limit it ends in "..." (JSON: null). An empty
 * innermost list counts as an element, so a limit bounds the text even
 * for a view of shape (huge, 0). */
static int
put_list(struct tolist *t, int64_t off, int dim, struct view_error *err)
{
	int64_t	i;
	int	r;

	view_buf_puts(&t->out, "[");
	if (t->d->shape[dim] == 0)
		t->count++;
	for (i = 0; i < t->d->shape[dim] && !t->stopped; i++) {
		if (i > 0)
			view_buf_puts(&t->out, ", ");
		if (t->limit != 0 && t->count >= t->limit) {
			view_buf_puts(&t->out, t->flags & VIEW_TEXT_JSON ?
			    "null" : "...");
			t->stopped = true;
			break;
		}
		r = dim + 1 == t->d->ndim ? put_item(t, off, err) :
		    put_list(t, off, dim + 1, err);
		if (r < 0)
			return r;
		off = view_wrap_add(off, t->d->strides[dim]);
	}
	view_buf_puts(&t->out, "]");
	return 0;
}

int
view_tolist_text(const struct view_desc *d, const void *base, unsigned flags,
    uint64_t limit, char **ret_text, struct view_error *err)
{
	struct tolist	 t = { .d = d, .base = base, .flags = flags,
			     .limit = limit };
	int		 r;

	if (view_format_single(d->format, err) == NULL)
		return -ENOTSUP;
	if (d->ndim == 0)
		r = put_item(&t, d->offset, err);
	else
		r = put_list(&t, d->offset, 0, err);
	if (r == 0 && t.out.failed)
		r = view_err(err, VIEW_ERR_MEMORY, "out of memory");
	if (r < 0) {
		free(t.out.s);
		return r;
	}
	*ret_text = t.out.s;
	return 0;
}
