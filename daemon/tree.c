/* SPDX-License-Identifier: MIT */
/* A treap: random priorities keep it balanced whatever the insertion order. */
#include <sys/random.h>

#include <string.h>

#include "tree.h"

static uint64_t	tree_rng;

/* xorshift64*: priorities need to be unpredictable only to the clients. */
static uint64_t
tree_random(void)
{
	if (tree_rng == 0 && (getrandom(&tree_rng, sizeof(tree_rng),
	    GRND_NONBLOCK) != (ssize_t)sizeof(tree_rng) || tree_rng == 0))
		tree_rng = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)&tree_rng;
	tree_rng ^= tree_rng >> 12;
	tree_rng ^= tree_rng << 25;
	tree_rng ^= tree_rng >> 27;
	return tree_rng * 0x2545f4914f6cdd1dULL;
}

void
tree_init(struct tree *t, const void *(*key)(const struct tree_node *),
    int (*cmp)(const void *, const void *))
{
	t->root = NULL;
	t->n = 0;
	t->key = key;
	t->cmp = cmp;
}

int
tree_cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

int
tree_cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Split sub into keys < key (to *l) and keys > key (to *r). */
static void
tree_split(const struct tree *t, struct tree_node *sub, const void *key,
    struct tree_node **l, struct tree_node **r)
{
	while (sub != NULL) {
		if (t->cmp(t->key(sub), key) < 0) {
			*l = sub;
			l = &sub->right;
			sub = sub->right;
		} else {
			*r = sub;
			r = &sub->left;
			sub = sub->left;
		}
	}
	*l = *r = NULL;
}

/* Join a and b, every key of a sorting before every key of b. */
static struct tree_node *
tree_merge(struct tree_node *a, struct tree_node *b)
{
	struct tree_node	*root = NULL, **pp = &root;

	while (a != NULL && b != NULL) {
		if (a->prio > b->prio) {
			*pp = a;
			pp = &a->right;
			a = a->right;
		} else {
			*pp = b;
			pp = &b->left;
			b = b->left;
		}
	}
	*pp = a != NULL ? a : b;
	return root;
}

void
tree_insert(struct tree *t, struct tree_node *node)
{
	struct tree_node	**pp = &t->root;
	const void		 *key = t->key(node);

	node->prio = tree_random();
	while (*pp != NULL && (*pp)->prio >= node->prio)
		pp = t->cmp(key, t->key(*pp)) < 0 ? &(*pp)->left : &(*pp)->right;
	tree_split(t, *pp, key, &node->left, &node->right);
	*pp = node;
	t->n++;
}

void
tree_remove(struct tree *t, struct tree_node *node)
{
	struct tree_node	**pp = &t->root;
	const void		 *key = t->key(node);

	while (*pp != NULL && *pp != node)
		pp = t->cmp(key, t->key(*pp)) < 0 ? &(*pp)->left : &(*pp)->right;
	if (*pp == NULL)
		return;
	*pp = tree_merge(node->left, node->right);
	node->left = node->right = NULL;
	t->n--;
}

struct tree_node *
tree_find(const struct tree *t, const void *key)
{
	struct tree_node	*n = t->root;
	int			 c;

	while (n != NULL) {
		if ((c = t->cmp(key, t->key(n))) == 0)
			return n;
		n = c < 0 ? n->left : n->right;
	}
	return NULL;
}

struct tree_node *
tree_next(const struct tree *t, const void *key, bool inclusive)
{
	struct tree_node	*n = t->root, *best = NULL;
	int			 c;

	if (key == NULL) {
		for (best = n; best != NULL && best->left != NULL; )
			best = best->left;
		return best;
	}
	while (n != NULL) {
		c = t->cmp(t->key(n), key);
		if (c > 0 || (inclusive && c == 0)) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

static void
tree_iter_push(struct tree_iter *it, struct tree_node *n)
{
	if (it->n == TREE_ITER_DEPTH)
		it->lost = true;
	else
		it->path[it->n++] = n;
}

static struct tree_node *
tree_iter_pop(struct tree_iter *it)
{
	return it->cur = it->n > 0 ? it->path[--it->n] : NULL;
}

struct tree_node *
tree_iter_start(struct tree_iter *it, const struct tree *t, const void *key,
    bool inclusive)
{
	struct tree_node	*n = t->root;
	int			 c;

	it->t = t;
	it->n = 0;
	it->lost = false;
	while (n != NULL) {
		c = key == NULL ? 1 : t->cmp(t->key(n), key);
		if (c > 0 || (inclusive && c == 0)) {
			tree_iter_push(it, n);	/* a candidate, the best so far */
			n = n->left;
		} else {
			n = n->right;
		}
	}
	if (it->lost)
		return it->cur = tree_next(t, key, inclusive);
	return tree_iter_pop(it);
}

struct tree_node *
tree_iter_next(struct tree_iter *it)
{
	struct tree_node	*cur = it->cur;

	if (cur == NULL)
		return NULL;
	if (!it->lost)
		for (struct tree_node *n = cur->right; n != NULL; n = n->left)
			tree_iter_push(it, n);
	if (it->lost)
		return it->cur = tree_next(it->t, it->t->key(cur), false);
	return tree_iter_pop(it);
}
