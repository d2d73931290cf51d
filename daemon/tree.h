/* SPDX-License-Identifier: MIT */
/* An intrusive ordered index of unique string keys (a treap), for paged listings. */
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
	const char		*(*key)(const struct tree_node *);
};

void	tree_init(struct tree *t, const char *(*key)(const struct tree_node *));

/* The node's key must not be in the tree yet. */
void	tree_insert(struct tree *t, struct tree_node *node);
void	tree_remove(struct tree *t, struct tree_node *node);

struct tree_node *tree_find(const struct tree *t, const char *key);

/*
 * The smallest node whose key sorts after key (strcmp), or at key too
 * when inclusive; key NULL: the first node. NULL when there is none.
 */
struct tree_node *tree_next(const struct tree *t, const char *key,
	    bool inclusive);

#endif /* MVIEWD_TREE_H */
