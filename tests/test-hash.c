/* SPDX-License-Identifier: MIT */
/* Unit tests of the daemon's hash tables and ordered name index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/hash.h"
#include "daemon/tree.h"

struct item {
	struct hash_link	link;
	struct tree_node	node;
	uint64_t		key;
	char			name[24];
};

#define NITEMS	100000

static bool
item_eq(const struct hash_link *l, const void *key)
{
	return container_of(l, struct item, link)->key == *(const uint64_t *)key;
}

static struct item *
find(struct hash *h, uint64_t key)
{
	struct hash_link	*l = hash_find(h, hash_u64(key), item_eq, &key);

	return l != NULL ? container_of(l, struct item, link) : NULL;
}

/* 100k entries: the table grows, everything is found, removal works. */
static void
test_hash_growth(void **state)
{
	struct hash	 h;
	struct item	*items = calloc(NITEMS, sizeof(*items));
	size_t		 longest = 0;

	(void)state;
	assert_non_null(items);
	assert_int_equal(hash_init(&h, 0), 0);
	assert_int_equal(hash_nbuckets(&h), 16);
	for (size_t i = 0; i < NITEMS; i++) {
		items[i].key = i * 7919;
		hash_insert(&h, &items[i].link, hash_u64(items[i].key));
	}
	assert_int_equal(hash_count(&h), NITEMS);
	assert_true(hash_nbuckets(&h) >= NITEMS);
	for (size_t b = 0; b < hash_nbuckets(&h); b++) {
		size_t n = 0;

		for (struct hash_link *l = h.buckets[b]; l != NULL; l = l->next)
			n++;
		if (n > longest)
			longest = n;
	}
	assert_true(longest < 16);	/* a keyed hash spreads sequential keys */
	for (size_t i = 0; i < NITEMS; i++)
		assert_ptr_equal(find(&h, i * 7919), &items[i]);
	assert_null(find(&h, 1));
	for (size_t i = 0; i < NITEMS; i += 2)
		hash_remove(&h, &items[i].link);
	assert_int_equal(hash_count(&h), NITEMS / 2);
	assert_null(find(&h, 0));
	assert_ptr_equal(find(&h, 7919), &items[1]);
	for (size_t n = NITEMS / 2; n > 0; n--)
		assert_non_null(hash_pop(&h));
	assert_null(hash_pop(&h));
	hash_fini(&h);
	hash_fini(NULL);
	free(items);
}

static void
test_hash_strings(void **state)
{
	uint8_t	key[16] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(hash_string("abc"), hash_bytes("abc", 3));
	assert_true(hash_string("abc") != hash_string("abd"));
	assert_true(hash_string("") != hash_string("a"));
	uint64_t before = hash_string("abc");
	hash_seed(key);
	assert_true(hash_string("abc") != before);	/* keyed */
	hash_seed_random();
}

static const void *
item_key(const struct tree_node *n)
{
	return container_of(n, struct item, node)->name;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Random insertion order, sorted iteration, removal, next-after. */
static void
test_tree_order(void **state)
{
	enum { N = 20000 };
	struct tree	 t;
	struct item	*items = calloc(N, sizeof(*items));
	char		**sorted = calloc(N, sizeof(*sorted));
	struct tree_node *n;
	size_t		 i;

	(void)state;
	assert_non_null(items);
	assert_non_null(sorted);
	tree_init(&t, item_key, tree_cmp_str);
	assert_null(tree_next(&t, NULL, false));
	srand(42);
	for (i = 0; i < N; i++) {
		snprintf(items[i].name, sizeof(items[i].name), "n/%08x/%zu",
		    (unsigned)rand(), i);
		tree_insert(&t, &items[i].node);
		sorted[i] = items[i].name;
	}
	qsort(sorted, N, sizeof(*sorted), cmp_names);
	assert_int_equal(t.n, N);
	n = tree_next(&t, NULL, false);
	for (i = 0; i < N; i++) {
		assert_non_null(n);
		assert_string_equal(item_key(n), sorted[i]);
		n = tree_next(&t, item_key(n), false);
	}
	assert_null(n);
	assert_non_null(tree_find(&t, sorted[5]));
	assert_ptr_equal(tree_next(&t, sorted[5], true), tree_find(&t, sorted[5]));
	assert_ptr_equal(tree_next(&t, "n/", true), tree_find(&t, sorted[0]));
	/* A walk from any key meets the same nodes as tree_next(). */
	for (i = 0; i < N; i += 997) {
		struct tree_iter	 it;
		struct tree_node	*a, *b;
		int			 k;

		a = tree_iter_start(&it, &t, sorted[i], i % 2 == 0);
		b = tree_next(&t, sorted[i], i % 2 == 0);
		for (k = 0; k < 3000 && b != NULL; k++) {
			assert_ptr_equal(a, b);
			a = tree_iter_next(&it);
			b = tree_next(&t, item_key(b), false);
		}
		if (b == NULL)
			assert_null(a);
	}
	for (i = 0; i < N; i += 2)
		tree_remove(&t, &items[i].node);
	assert_int_equal(t.n, N / 2);
	for (i = 0; i < N; i++)
		assert_true((tree_find(&t, items[i].name) != NULL) == (i % 2 == 1));
	free(items);
	free(sorted);
}

struct num {
	struct tree_node	node;
	uint64_t		v;
};

static const void *
num_key(const struct tree_node *n)
{
	return &container_of(n, struct num, node)->v;
}

/* Numeric keys: the order of the numbers, not of their bytes. */
static void
test_tree_u64(void **state)
{
	enum { N = 5000 };
	struct num		*nums = calloc(N, sizeof(*nums));
	struct tree		 t;
	struct tree_iter	 it;
	struct tree_node	*n;
	uint64_t		 k, prev = 0;
	size_t			 seen = 0;

	(void)state;
	assert_non_null(nums);
	tree_init(&t, num_key, tree_cmp_u64);
	for (size_t i = 0; i < N; i++) {
		nums[i].v = (uint64_t)((i * 7919) % N) * 300 + 1;
		tree_insert(&t, &nums[i].node);
	}
	for (n = tree_iter_start(&it, &t, NULL, false); n != NULL;
	    n = tree_iter_next(&it)) {
		k = *(const uint64_t *)num_key(n);
		assert_true(seen == 0 || k > prev);
		prev = k;
		seen++;
	}
	assert_int_equal(seen, N);
	k = 301;	/* the second smallest: 1, 301, 601, ... */
	n = tree_next(&t, &k, false);
	assert_int_equal(*(const uint64_t *)num_key(n), 601);
	k = 302;
	n = tree_next(&t, &k, false);
	assert_int_equal(*(const uint64_t *)num_key(n), 601);
	k = UINT64_MAX;
	assert_null(tree_next(&t, &k, false));
	free(nums);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_growth),
		cmocka_unit_test(test_hash_strings),
		cmocka_unit_test(test_tree_order),
		cmocka_unit_test(test_tree_u64),
	};

	hash_seed_random();
	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
