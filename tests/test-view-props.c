/* SPDX-License-Identifier: MIT */
/* Property test: a random descriptor fails the bounds check, or every byte
 * it and every view derived from it can touch lies inside the segment. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "view-test.h"

#define SEGMENT_MAX	512

static uint64_t rng_state;

/* xorshift64* */
static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static int64_t
pick(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static const char *const formats[] = { "B", "b", "c", "?", "h", "@H", "e",
    "i", "I", "f", "l", "q", "Q", "n", "N", "P", "d", "<i", "x", "2h" };
static const int64_t wild[] = { INT64_MAX, INT64_MIN, INT64_MAX / 2,
    INT64_MIN / 3, 1LL << 40, -(1LL << 40), UINT32_MAX };

/* A value for a stride or an offset: mostly sane, sometimes wild. */
static int64_t
coord(int64_t itemsize)
{
	if (rnd() % 50 == 0)
		return wild[rnd() % (sizeof(wild) / sizeof(wild[0]))];
	return pick(-8, 8) * (rnd() % 4 ? itemsize : 1);
}

static void
random_desc(struct view_desc *d)
{
	int	i;

	memset(d, 0, sizeof(*d));
	strcpy(d->format, formats[rnd() % (sizeof(formats) /
	    sizeof(formats[0]))]);
	d->itemsize = view_format_itemsize(d->format);
	if (d->itemsize < 0)
		d->itemsize = pick(1, 4);
	d->ndim = (int)pick(0, 4);
	for (i = 0; i < d->ndim; i++) {
		d->shape[i] = rnd() % 40 == 0 ? wild[rnd() % 3] : pick(0, 6);
		d->strides[i] = coord(d->itemsize);
	}
	d->offset = rnd() % 50 == 0 ? wild[rnd() % 7] : pick(-16,
	    SEGMENT_MAX);
	d->readonly = rnd() % 4 == 0;
}

static void
assert_item_inside(const struct view_desc *d, const int64_t *idx,
    uint64_t size)
{
	int64_t	off = d->offset, t;
	int	i;

	for (i = 0; i < d->ndim; i++) {
		assert_false(__builtin_mul_overflow(idx[i], d->strides[i], &t));
		assert_false(__builtin_add_overflow(off, t, &off));
	}
	assert_true(off >= 0);
	assert_true((uint64_t)off + (uint64_t)d->itemsize <= size);
}

/* Every element of d is inside [0, size): walk the index space (or, for
 * a huge one, its corners and random points). */
static void
assert_inside(const struct view_desc *d, uint64_t size)
{
	int64_t	idx[VIEW_MAX_NDIM] = { 0 }, n;
	int	i, k;

	if (view_nbytes(d, &n) == 0 && n == 0)
		return;
	if (n / d->itemsize > 100000) {
		for (k = 0; k < 1000; k++) {
			for (i = 0; i < d->ndim; i++)
				idx[i] = k < 2 ? k * (d->shape[i] - 1) :
				    (int64_t)(rnd() % (uint64_t)d->shape[i]);
			assert_item_inside(d, idx, size);
		}
		return;
	}
	for (;;) {
		assert_item_inside(d, idx, size);
		for (i = d->ndim - 1; i >= 0 && ++idx[i] == d->shape[i]; i--)
			idx[i] = 0;
		if (i < 0)
			return;
	}
}

static int64_t
bound(int64_t len)
{
	return rnd() % 3 ? pick(-len - 2, len + 2) : NONE;
}

static int64_t
step(void)
{
	if (rnd() % 3 == 0)
		return NONE;
	return rnd() % 20 ? pick(-3, 3) : wild[rnd() % 7];
}

static void
random_key(const struct view_desc *d, struct view_key *keys, size_t *n,
    unsigned *flags)
{
	size_t	i;
	int64_t	len;

	*n = (size_t)pick(0, d->ndim + 1);
	*flags = (rnd() % 4 ? VIEW_SUBSCRIPT_TUPLE : 0) | (rnd() % 5 == 0 ?
	    VIEW_SUBSCRIPT_MEMORYVIEW : 0) | (rnd() % 5 == 0 ?
	    VIEW_SUBSCRIPT_NUMPY : 0);
	if (!(*flags & VIEW_SUBSCRIPT_TUPLE))
		*n = 1;
	for (i = 0; i < *n; i++) {
		len = i < (size_t)d->ndim ? d->shape[i] : 3;
		len = len > 100 ? 100 : len;
		if (rnd() % 8 == 0)
			keys[i] = key_ellipsis();
		else if (rnd() % 2)
			keys[i] = key_index(rnd() % 30 == 0 ? wild[rnd() % 7] :
			    pick(-len - 1, len));
		else
			keys[i] = key_slice(bound(len), bound(len), step());
	}
}

/* One derived view of d (or d itself when the operation fails). */
static void
derive(const struct view_desc *d, struct view_desc *v)
{
	struct view_key	keys[VIEW_MAX_NDIM + 2];
	int64_t		dims[VIEW_MAX_NDIM];
	size_t		n;
	unsigned	flags;
	int		i, r = -1, nd = (int)pick(0, 3);

	for (i = 0; i < nd; i++)
		dims[i] = pick(-1, 6);
	switch (rnd() % 5) {
	case 0:
	case 1:
		random_key(d, keys, &n, &flags);
		r = view_subscript(d, keys, n, flags, v, NULL);
		break;
	case 2:
		for (i = 0; i < d->ndim; i++)
			dims[i] = pick(-d->ndim, d->ndim - 1);
		r = view_transpose(d, rnd() % 2 ? dims : NULL, d->ndim, v,
		    NULL);
		break;
	case 3:
		r = view_reshape(d, nd, dims, v, NULL);
		break;
	case 4:
		r = view_cast(d, formats[rnd() % 17], rnd() % 2 ? -1 : nd, dims,
		    v, NULL);
		break;
	}
	if (r < 0)
		*v = *d;
}

/* Use the view for real, so the sanitizers see any stray access. */
static void
exercise(const struct view_desc *d, uint8_t *seg)
{
	struct view_value val = { .type = VIEW_VALUE_INT, .i = 1 };
	struct view_desc  rev = *d;
	uint8_t		  out[4096];
	int64_t		  nbytes;
	char		 *text;

	if (view_nbytes(d, &nbytes) < 0 || nbytes > (int64_t)sizeof(out))
		return;
	assert_int_equal(view_tobytes(d, seg, "CFA"[rnd() % 3], out,
	    sizeof(out), NULL), 0);
	if (view_tolist_text(d, seg, rnd() % 2 ? VIEW_TEXT_JSON : 0, 1000,
	    &text, NULL) == 0)
		free(text);
	if (!d->readonly) {
		view_fill(d, seg, &val, NULL);
		if (d->ndim > 0 && d->shape[0] > 0) {
			rev.offset = (int64_t)((uint64_t)d->offset +
			    (uint64_t)(d->shape[0] - 1) *
			    (uint64_t)d->strides[0]);
			rev.strides[0] = (int64_t)(0 - (uint64_t)d->strides[0]);
			assert_int_equal(view_assign(d, seg, &rev, seg, NULL),
			    0);
		}
	}
}

static void
test_props(void **state)
{
	const char	 *env = getenv("MVIEW_PROPS_SEED");
	uint64_t	  seed = env ? strtoull(env, NULL, 0) :
	    (uint64_t)time(NULL), size;
	struct view_desc  d, v;
	uint8_t		 *seg;
	int		  iter, k, valid = 0;

	(void)state;
	printf("# view-props: seed %" PRIu64 "\n", seed);
	rng_state = seed * 2 + 1;
	for (iter = 0; iter < 50000; iter++) {
		random_desc(&d);
		size = (uint64_t)pick(0, SEGMENT_MAX);
		if (view_validate(&d, size, VIEW_MAX_NDIM, NULL) < 0)
			continue;
		valid++;
		seg = malloc(size ? size : 1);
		assert_non_null(seg);
		assert_inside(&d, size);
		exercise(&d, seg);
		for (k = 0; k < 4; k++) {
			derive(&d, &v);
			assert_int_equal(view_check_bounds(&v, size, NULL), 0);
			assert_inside(&v, size);
			exercise(&v, seg);
			d = v;
		}
		free(seg);
	}
	printf("# view-props: %d valid descriptors of %d\n", valid, iter);
	assert_true(valid > iter / 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_props),
	};

	return cmocka_run_group_tests_name("view-props", tests, NULL, NULL);
}
