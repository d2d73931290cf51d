/* SPDX-License-Identifier: MIT */
/* Intrusive chained hash tables with a keyed (SipHash) hash for O(1) lookups. */
#ifndef MVIEWD_HASH_H
#define MVIEWD_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* Embedded in each element; one per table the element is in. */
struct hash_link {
	struct hash_link	*next;
	uint64_t		 hv;
};

/* Buckets double when the table holds more elements than buckets. */
struct hash {
	struct hash_link	**buckets;
	size_t			  mask;		/* nbuckets - 1 */
	size_t			  n;
	size_t			  scan;		/* hash_pop's cursor */
};

/* Seed the keyed hash from getrandom() (or a fixed key for tests). */
void	hash_seed_random(void);
void	hash_seed(const uint8_t key[16]);

uint64_t hash_bytes(const void *p, size_t len);
uint64_t hash_string(const char *s);
uint64_t hash_u64(uint64_t v);

/* 0 or -ENOMEM; hint is a starting bucket count (rounded up to 2^k). */
int	hash_init(struct hash *h, size_t hint);
/* Frees the buckets only; the elements belong to the caller. NULL-safe. */
void	hash_fini(struct hash *h);

/* Never fails: when growing is impossible the chains just get longer. */
void	hash_insert(struct hash *h, struct hash_link *l, uint64_t hv);
void	hash_remove(struct hash *h, struct hash_link *l);

/* Does the element at l have key? */
typedef bool hash_eq_fn(const struct hash_link *l, const void *key);

/* The element of hash hv for which eq(link, key) holds, or NULL. */
struct hash_link *hash_find(const struct hash *h, uint64_t hv, hash_eq_fn *eq,
	    const void *key);

/* Remove and return some element, NULL when empty (for teardown). */
struct hash_link *hash_pop(struct hash *h);

static inline size_t
hash_count(const struct hash *h)
{
	return h->n;
}

static inline size_t
hash_nbuckets(const struct hash *h)
{
	return h->mask + 1;
}

#endif /* MVIEWD_HASH_H */
