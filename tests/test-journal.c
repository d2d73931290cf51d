/* SPDX-License-Identifier: MIT */
/* Unit tests of the registry journal's format: round trips, torn and corrupt records. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/journal.h"

static void
rec_segment(struct journal_rec *r, uint64_t id, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->type = JOURNAL_SEGMENT;
	r->id = id;
	r->size = id * 4096 + 3;
	r->ctime_ns = -(int64_t)id * 1000000007;
	r->uid = 65534;
	r->gid = 100 + (uint32_t)id;
	r->mode = 0640;
	r->lifetime = id & 1;
	r->frozen = id & 2;
	r->hugetlb = id & 4;
	r->has_name = name != NULL;
	if (name != NULL)
		strcpy(r->name, name);
}

static void
rec_view(struct journal_rec *r, const char *name, int ndim)
{
	memset(r, 0, sizeof(*r));
	r->type = JOURNAL_VIEW;
	r->uid = 1000;
	r->ctime_ns = 123456789;
	strcpy(r->name, name);
	r->desc.segment_id = 77;
	r->desc.offset = 4096 * 3 - 8;
	r->desc.itemsize = 8;
	r->desc.ndim = ndim;
	r->desc.readonly = ndim & 1;
	strcpy(r->desc.format, "@d");
	for (int i = 0; i < ndim; i++) {
		r->desc.shape[i] = i + 1;
		r->desc.strides[i] = (i & 1 ? -8 : 8) * (i + 1);
	}
}

/* Same record? Compares only what the type carries. */
static void
assert_rec_equal(const struct journal_rec *a, const struct journal_rec *b)
{
	assert_int_equal(a->type, b->type);
	switch (a->type) {
	case JOURNAL_SEGMENT:
		assert_int_equal(a->id, b->id);
		assert_int_equal(a->size, b->size);
		assert_int_equal(a->ctime_ns, b->ctime_ns);
		assert_int_equal(a->uid, b->uid);
		assert_int_equal(a->gid, b->gid);
		assert_int_equal(a->mode, b->mode);
		assert_int_equal(a->lifetime, b->lifetime);
		assert_int_equal(a->frozen, b->frozen);
		assert_int_equal(a->hugetlb, b->hugetlb);
		assert_int_equal(a->has_name, b->has_name);
		assert_string_equal(a->has_name ? a->name : "", b->name);
		break;
	case JOURNAL_SEGMENT_DEL:
	case JOURNAL_NEXT_ID:
		assert_int_equal(a->id, b->id);
		break;
	case JOURNAL_VIEW:
		assert_string_equal(a->name, b->name);
		assert_int_equal(a->uid, b->uid);
		assert_int_equal(a->ctime_ns, b->ctime_ns);
		assert_int_equal(a->desc.segment_id, b->desc.segment_id);
		assert_int_equal(a->desc.offset, b->desc.offset);
		assert_int_equal(a->desc.itemsize, b->desc.itemsize);
		assert_int_equal(a->desc.ndim, b->desc.ndim);
		assert_int_equal(a->desc.readonly, b->desc.readonly);
		assert_string_equal(a->desc.format, b->desc.format);
		for (int i = 0; i < a->desc.ndim; i++) {
			assert_int_equal(a->desc.shape[i], b->desc.shape[i]);
			assert_int_equal(a->desc.strides[i], b->desc.strides[i]);
		}
		break;
	case JOURNAL_VIEW_DEL:
		assert_string_equal(a->name, b->name);
		break;
	case JOURNAL_STREAM:
		assert_int_equal(a->id, b->id);
		assert_int_equal(a->size, b->size);
		assert_int_equal(a->ctime_ns, b->ctime_ns);
		assert_int_equal(a->uid, b->uid);
		assert_int_equal(a->gid, b->gid);
		assert_int_equal(a->mode, b->mode);
		assert_int_equal(a->lifetime, b->lifetime);
		assert_int_equal(a->slots, b->slots);
		assert_int_equal(a->max_consumers, b->max_consumers);
		assert_int_equal(a->max_holds, b->max_holds);
		assert_int_equal(a->producer, b->producer);
		assert_string_equal(a->name, b->name);
		break;
	case JOURNAL_STREAM_DEL:
		assert_int_equal(a->id, b->id);
		break;
	case JOURNAL_DAEMON:
		assert_int_equal(a->id, b->id);
		assert_int_equal(a->ctime_ns, b->ctime_ns);
		break;
	}
}

/* A log of every kind of record; recs[] receives them (n of them). */
static size_t
make_log(struct journal_buf *b, struct journal_rec *recs)
{
	char	longname[JOURNAL_NAME_MAX + 1];
	size_t	n = 0;

	memset(longname, 'x', JOURNAL_NAME_MAX);
	longname[JOURNAL_NAME_MAX] = '\0';
	rec_segment(&recs[n++], 1, "a/b");
	rec_segment(&recs[n++], 2, NULL);
	rec_segment(&recs[n++], 7, longname);
	rec_view(&recs[n++], "v/scalar", 0);
	rec_view(&recs[n++], "v/3d", 3);
	rec_view(&recs[n++], longname, VIEW_MAX_NDIM);
	memset(&recs[n], 0, sizeof(recs[n]));
	recs[n].type = JOURNAL_VIEW_DEL;
	strcpy(recs[n++].name, "v/3d");
	memset(&recs[n], 0, sizeof(recs[n]));
	recs[n].type = JOURNAL_SEGMENT_DEL;
	recs[n++].id = 2;
	memset(&recs[n], 0, sizeof(recs[n]));
	recs[n].type = JOURNAL_STREAM;
	recs[n].id = 9;
	recs[n].size = 6220800;
	recs[n].ctime_ns = -5;
	recs[n].uid = 1000;
	recs[n].gid = 100;
	recs[n].mode = 0640;
	recs[n].lifetime = 1;
	recs[n].slots = 4096;
	recs[n].max_consumers = 64;
	recs[n].max_holds = 16;
	recs[n].producer = true;
	recs[n].has_name = true;
	strcpy(recs[n++].name, "cam/front");
	memset(&recs[n], 0, sizeof(recs[n]));
	recs[n].type = JOURNAL_STREAM_DEL;
	recs[n++].id = 9;
	memset(&recs[n], 0, sizeof(recs[n]));
	recs[n].type = JOURNAL_DAEMON;
	recs[n].id = 3;
	recs[n++].ctime_ns = INT64_C(1700000000123456789);
	memset(&recs[n], 0, sizeof(recs[n]));
	recs[n].type = JOURNAL_NEXT_ID;
	recs[n++].id = UINT64_MAX;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(journal_encode(b, &recs[i], i + 1), 0);
	return n;
}

static void
test_crc(void **state)
{
	(void)state;
	assert_int_equal(journal_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(journal_crc32(journal_crc32(0, "1234", 4),
	    "56789", 5), 0xcbf43926u);
	assert_int_equal(journal_crc32(0, "", 0), 0);
}

static void
test_header(void **state)
{
	uint8_t		h[JOURNAL_HEADER_SIZE];
	uint64_t	gen = 0;

	(void)state;
	journal_header_encode(h, 0x0102030405060708ull);
	assert_int_equal(journal_header_decode(h, sizeof(h), &gen), 0);
	assert_int_equal(gen, 0x0102030405060708ull);
	assert_int_equal(journal_header_decode(h, sizeof(h) - 1, &gen),
	    -EBADMSG);
	for (size_t i = 0; i < sizeof(h); i++) {
		if (i >= 24 && i < 28)
			continue;	/* reserved, unchecked but covered by CRC */
		h[i] ^= 0x40;
		assert_int_equal(journal_header_decode(h, sizeof(h), &gen),
		    -EBADMSG);
		h[i] ^= 0x40;
	}
}

static void
test_roundtrip(void **state)
{
	struct journal_buf	 b = { 0 };
	struct journal_rec	*recs = calloc(16, sizeof(*recs)), *out;
	size_t			 n, off = 0, used;

	(void)state;
	out = malloc(sizeof(*out));
	n = make_log(&b, recs);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(journal_decode(b.data + off, b.len - off, i + 1,
		    out, &used), 0);
		assert_rec_equal(&recs[i], out);
		off += used;
	}
	assert_int_equal(off, b.len);
	assert_int_equal(journal_decode(b.data + off, 0, n + 1, out, &used),
	    -ENODATA);
	journal_buf_free(&b);
	free(recs);
	free(out);
}

/* Zeros after the last record (a grown file) are a clean end. */
static void
test_trailing_zeros(void **state)
{
	struct journal_buf	 b = { 0 };
	struct journal_rec	 r, out;
	size_t			 used;
	uint8_t			*p;

	(void)state;
	rec_segment(&r, 5, "z");
	assert_int_equal(journal_encode(&b, &r, 1), 0);
	p = calloc(1, b.len + 100);
	memcpy(p, b.data, b.len);
	assert_int_equal(journal_decode(p, b.len + 100, 1, &out, &used), 0);
	assert_int_equal(journal_decode(p + used, 100, 2, &out, &used),
	    -ENODATA);
	assert_int_equal(journal_decode(p + b.len, 5, 2, &out, &used),
	    -ENODATA);
	free(p);
	journal_buf_free(&b);
}

/* Every cut inside the last record is torn; everything before survives. */
static void
test_torn(void **state)
{
	struct journal_buf	 b = { 0 };
	struct journal_rec	*recs = calloc(16, sizeof(*recs)), *out;
	size_t			 n, last, off, used;
	int			 r;

	(void)state;
	out = malloc(sizeof(*out));
	n = make_log(&b, recs);
	/* The right bytes under the wrong sequence number are refused. */
	assert_int_equal(journal_decode(b.data, b.len, 2, out, &used),
	    -EBADMSG);
	/* Find where record n starts. */
	off = 0;
	for (size_t i = 0; i < n - 1; i++) {
		assert_int_equal(journal_decode(b.data + off, b.len - off, i + 1,
		    out, &used), 0);
		off += used;
	}
	last = off;
	for (size_t cut = last + 1; cut < b.len; cut++) {
		r = journal_decode(b.data + last, cut - last, n, out, &used);
		assert_int_equal(r, -EBADMSG);
	}
	/* A torn record followed by stale bytes is still torn. */
	memset(b.data + b.len - 2, 0xee, 2);
	assert_int_equal(journal_decode(b.data + last, b.len - last, n, out,
	    &used), -EBADMSG);
	journal_buf_free(&b);
	free(recs);
	free(out);
}

/* Every single flipped bit in every record is caught. */
static void
test_corrupt(void **state)
{
	struct journal_buf	 b = { 0 };
	struct journal_rec	*recs = calloc(16, sizeof(*recs)), *out;
	size_t			 n, off = 0, used;

	(void)state;
	out = malloc(sizeof(*out));
	n = make_log(&b, recs);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(journal_decode(b.data + off, b.len - off, i + 1,
		    out, &used), 0);
		for (size_t k = 0; k < used; k++) {
			for (int bit = 0; bit < 8; bit += 3) {
				size_t	u2;
				int	r;

				b.data[off + k] ^= (uint8_t)(1u << bit);
				r = journal_decode(b.data + off, b.len - off,
				    i + 1, out, &u2);
				if (r == 0)
					fail_msg("record %zu byte %zu bit %d: "
					    "corruption undetected", i, k, bit);
				b.data[off + k] ^= (uint8_t)(1u << bit);
			}
		}
		off += used;
	}
	journal_buf_free(&b);
	free(recs);
	free(out);
}

/* Rewrite the CRC of the record at p after patching it. */
static void
fix_crc(uint8_t *p)
{
	uint32_t	n = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	uint32_t	crc = journal_crc32(0, p, JOURNAL_REC_HEAD + n);

	for (int i = 0; i < 4; i++)
		p[JOURNAL_REC_HEAD + n + i] = (uint8_t)(crc >> (8 * i));
}

/* Intact records with impossible fields are refused; unknown types skipped. */
static void
test_fields(void **state)
{
	struct journal_buf	b = { 0 };
	struct journal_rec	r, out;
	size_t			used = 0;

	(void)state;
	rec_segment(&r, 3, "ab");
	assert_int_equal(journal_encode(&b, &r, 1), 0);
	b.data[4] = 99;			/* type */
	fix_crc(b.data);
	assert_int_equal(journal_decode(b.data, b.len, 1, &out, &used),
	    -EOPNOTSUPP);
	assert_int_equal(used, b.len);
	b.data[4] = JOURNAL_SEGMENT;
	b.data[JOURNAL_REC_HEAD + 37] = 0x80;	/* unknown flag */
	fix_crc(b.data);
	assert_int_equal(journal_decode(b.data, b.len, 1, &out, &used),
	    -EBADMSG);
	b.data[JOURNAL_REC_HEAD + 37] = 0;
	b.data[JOURNAL_REC_HEAD + 41] = 0;	/* a NUL inside the name */
	fix_crc(b.data);
	assert_int_equal(journal_decode(b.data, b.len, 1, &out, &used),
	    -EBADMSG);
	journal_buf_free(&b);

	rec_view(&r, "v", 2);
	assert_int_equal(journal_encode(&b, &r, 1), 0);
	b.data[JOURNAL_REC_HEAD + 36] = 65;	/* ndim */
	fix_crc(b.data);
	assert_int_equal(journal_decode(b.data, b.len, 1, &out, &used),
	    -EBADMSG);
	journal_buf_free(&b);
}

static void
test_encode_limits(void **state)
{
	struct journal_buf	b = { 0 };
	struct journal_rec	r;

	(void)state;
	rec_segment(&r, 1, NULL);
	memset(r.name, 'n', sizeof(r.name));	/* no NUL within the limit */
	r.has_name = true;
	assert_int_equal(journal_encode(&b, &r, 1), -EINVAL);
	rec_view(&r, "v", 1);
	r.desc.ndim = VIEW_MAX_NDIM + 1;
	assert_int_equal(journal_encode(&b, &r, 1), -EINVAL);
	rec_view(&r, "", 1);
	assert_int_equal(journal_encode(&b, &r, 1), -EINVAL);
	memset(&r, 0, sizeof(r));
	r.type = JOURNAL_VIEW_DEL;
	assert_int_equal(journal_encode(&b, &r, 1), -EINVAL);
	r.type = (enum journal_type)42;
	strcpy(r.name, "x");
	assert_int_equal(journal_encode(&b, &r, 1), -EINVAL);
	assert_int_equal(b.len, 0);
	journal_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_trailing_zeros),
		cmocka_unit_test(test_torn),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_encode_limits),
	};

	return cmocka_run_group_tests_name("journal", tests, NULL, NULL);
}
