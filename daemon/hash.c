/* SPDX-License-Identifier: MIT */
/* Intrusive chained hash tables; SipHash-1-3 keyed per process against flooding. */
#include <sys/random.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

/*
 * Written here rather than taken from a library: names are chosen by
 * clients, so the hash must be keyed with a secret per process (SipHash,
 * as CPython and the kernel do) or one client could pile every name into
 * one chain; libc's hsearch and glib's string hash are unkeyed.
 */

#define HASH_MIN_BUCKETS	16

static uint64_t	hash_k0 = 0x736f6d6570736575ULL;
static uint64_t	hash_k1 = 0x646f72616e646f6dULL;

void
hash_seed(const uint8_t key[16])
{
	memcpy(&hash_k0, key, 8);
	memcpy(&hash_k1, key + 8, 8);
}

void
hash_seed_random(void)
{
	uint8_t		key[16];
	struct timespec	ts;

	if (getrandom(key, sizeof(key), GRND_NONBLOCK) != (ssize_t)sizeof(key)) {
		/* No entropy yet: mix what is at hand, better than a constant. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t a = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		uint64_t b = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts;
		memcpy(key, &a, 8);
		memcpy(key + 8, &b, 8);
	}
	hash_seed(key);
}

#define ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* SipHash-1-3 (one compression round, three finalization rounds). */
uint64_t
hash_bytes(const void *p, size_t len)
{
	const unsigned char	*in = p;
	uint64_t		 v0 = hash_k0 ^ 0x736f6d6570736575ULL;
	uint64_t		 v1 = hash_k1 ^ 0x646f72616e646f6dULL;
	uint64_t		 v2 = hash_k0 ^ 0x6c7967656e657261ULL;
	uint64_t		 v3 = hash_k1 ^ 0x7465646279746573ULL;
	uint64_t		 m, b = (uint64_t)len << 56;
	size_t			 i, tail = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&m, in + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < tail; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hash_string(const char *s)
{
	return hash_bytes(s, strlen(s));
}

uint64_t
hash_u64(uint64_t v)
{
	return hash_bytes(&v, sizeof(v));
}

int
hash_init(struct hash *h, size_t hint)
{
	size_t	n = HASH_MIN_BUCKETS;

	while (n < hint && n < ((size_t)1 << 40))
		n <<= 1;
	if ((h->buckets = calloc(n, sizeof(*h->buckets))) == NULL)
		return -ENOMEM;
	h->mask = n - 1;
	h->n = 0;
	h->scan = 0;
	return 0;
}

void
hash_fini(struct hash *h)
{
	if (h == NULL)
		return;
	free(h->buckets);
	h->buckets = NULL;
	h->mask = 0;
	h->n = 0;
}

/* Double the buckets; on allocation failure keep the old ones. */
static void
hash_grow(struct hash *h)
{
	size_t			  n = (h->mask + 1) * 2;
	struct hash_link	**nb, *l, *next;

	if (n > ((size_t)1 << 40) || (nb = calloc(n, sizeof(*nb))) == NULL)
		return;
	for (size_t i = 0; i <= h->mask; i++) {
		for (l = h->buckets[i]; l != NULL; l = next) {
			next = l->next;
			l->next = nb[l->hv & (n - 1)];
			nb[l->hv & (n - 1)] = l;
		}
	}
	free(h->buckets);
	h->buckets = nb;
	h->mask = n - 1;
}

void
hash_insert(struct hash *h, struct hash_link *l, uint64_t hv)
{
	struct hash_link	**b;

	if (h->n >= h->mask + 1)
		hash_grow(h);
	b = &h->buckets[hv & h->mask];
	l->hv = hv;
	l->next = *b;
	*b = l;
	h->n++;
}

struct hash_link *
hash_find(const struct hash *h, uint64_t hv, hash_eq_fn *eq, const void *key)
{
	struct hash_link	*l;

	for (l = h->buckets[hv & h->mask]; l != NULL; l = l->next)
		if (l->hv == hv && eq(l, key))
			return l;
	return NULL;
}

void
hash_remove(struct hash *h, struct hash_link *l)
{
	struct hash_link	**pp;

	for (pp = &h->buckets[l->hv & h->mask]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			l->next = NULL;
			h->n--;
			return;
		}
	}
}

struct hash_link *
hash_pop(struct hash *h)
{
	struct hash_link	*l;

	if (h->n == 0)
		return NULL;
	for (size_t k = 0; k <= h->mask; k++) {
		size_t i = (h->scan + k) & h->mask;

		if ((l = h->buckets[i]) != NULL) {
			h->scan = i;
			h->buckets[i] = l->next;
			l->next = NULL;
			h->n--;
			return l;
		}
	}
	return NULL;
}
