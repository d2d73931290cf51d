/* SPDX-License-Identifier: MIT */
/* An intrusive ordered index of unique keys (a treap), for paged listings. */
#ifndef MVIEWD_TREE_H
#define MVIEWD_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tree_node {
	struct tree_node	*left, *right;
	uint64_t		 prio;
};

struct tree {
	struct tree_node	*root;
	size_t			 n;
	const void		*(*key)(const struct tree_node *);
	int			(*cmp)(const void *, const void *);
};

/* Keys come from key(node) and sort by cmp: tree_cmp_str, tree_cmp_u64. */
void	tree_init(struct tree *t, const void *(*key)(const struct tree_node *),
	    int (*cmp)(const void *, const void *));

/* strcmp() of two strings; the order of two uint64_t. */
int	tree_cmp_str(const void *a, const void *b);
int	tree_cmp_u64(const void *a, const void *b);

/* The node's key must not be in the tree yet. */
void	tree_insert(struct tree *t, struct tree_node *node);
void	tree_remove(struct tree *t, struct tree_node *node);

struct tree_node *tree_find(const struct tree *t, const void *key);

/*
 * The smallest node whose key sorts after key, or at key too when
 * inclusive; key NULL: the first node. NULL when there is none.
 */
struct tree_node *tree_next(const struct tree *t, const void *key,
	    bool inclusive);

/*
 * An in-order walk from a key, one node per step, the tree unchanged
 * meanwhile: amortised O(1) a step where tree_next() costs a descent.
 * A path deeper than TREE_ITER_DEPTH (never seen with random
 * priorities) makes each step a tree_next(), still correct.
 */
#define TREE_ITER_DEPTH	128

struct tree_iter {
	const struct tree	*t;
	struct tree_node	*cur;
	struct tree_node	*path[TREE_ITER_DEPTH];	/* still to visit, next on top */
	size_t			 n;
	bool			 lost;	/* path overflowed: search each step */
};

/* The first node as tree_next() finds it; NULL when there is none. */
struct tree_node *tree_iter_start(struct tree_iter *it, const struct tree *t,
	    const void *key, bool inclusive);
/* The node after the last one returned, or NULL. */
struct tree_node *tree_iter_next(struct tree_iter *it);

#endif /* MVIEWD_TREE_H */
