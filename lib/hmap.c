/* See LICENSE file for copyright and license details. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "hmap.h"
#include "util.h"

#define ARENACHUNK	(1024 * 1024)

struct slot {
	uint64_t	 h;		/* 0: empty */
	const char	*key;
	size_t		 len;
	int64_t		 val;
};

struct chunk {
	struct chunk	*next;
	size_t		 used, size;
	char		 buf[];
};

struct hmap {
	struct slot	*slots;
	size_t		 cap;		/* a power of two */
	size_t		 n;
	struct chunk	*arena;		/* keys; the newest chunk first */
	struct chunk	*spare;		/* emptied by hmap_clear(), for reuse */
};

struct hmap *
hmap_new(void)
{
	struct hmap *m = xcalloc(1, sizeof(*m));

	m->cap = 1024;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	return m;
}

/* A copy of key in the arena: keys never move, so slots may point at them. */
static const char *
keep(struct hmap *m, const void *key, size_t len)
{
	struct chunk *c = m->arena;
	size_t sz;
	char *p;

	if (c == NULL || c->size - c->used < len) {
		/*
		 * A map cleared per batch would otherwise give its chunks back
		 * and fault fresh pages in for every batch.
		 */
		if ((c = m->spare) != NULL && c->size >= len)
			m->spare = c->next;
		else {
			sz = len > ARENACHUNK ? len : ARENACHUNK;
			c = xmalloc(sizeof(*c) + sz);
			c->size = sz;
		}
		c->next = m->arena;
		c->used = 0;
		m->arena = c;
	}
	p = c->buf + c->used;
	if (len > 0)
		memcpy(p, key, len);
	c->used += len;
	return p;
}

static void
grow(struct hmap *m)
{
	struct slot *old = m->slots, *s;
	size_t oldcap = m->cap, i, j;

	m->cap *= 2;
	m->slots = xcalloc(m->cap, sizeof(*m->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].h == 0)
			continue;
		for (j = old[i].h & (m->cap - 1); (s = &m->slots[j])->h != 0;
		    j = (j + 1) & (m->cap - 1))
			;
		*s = old[i];
	}
	free(old);
}

int64_t *
hmap_get(struct hmap *m, const void *key, size_t len, int create,
    int64_t dflt, int *isnew)
{
	uint64_t h = XXH3_64bits(key, len) | 1;	/* never 0 */
	struct slot *s;
	size_t j;

	if (isnew)
		*isnew = 0;
	for (j = h & (m->cap - 1); (s = &m->slots[j])->h != 0;
	    j = (j + 1) & (m->cap - 1))
		if (s->h == h && s->len == len && memcmp(s->key, key, len) == 0)
			return &s->val;
	if (!create)
		return NULL;
	if ((m->n + 1) * 2 > m->cap) {
		grow(m);
		for (j = h & (m->cap - 1); (s = &m->slots[j])->h != 0;
		    j = (j + 1) & (m->cap - 1))
			;
	}
	s->h = h;
	s->key = keep(m, key, len);
	s->len = len;
	s->val = dflt;
	m->n++;
	if (isnew)
		*isnew = 1;
	return &s->val;
}

size_t
hmap_count(const struct hmap *m)
{
	return m->n;
}

int
hmap_next(struct hmap *m, size_t *iter, const void **key, size_t *len,
    int64_t **val)
{
	struct slot *s;

	for (; *iter < m->cap; (*iter)++) {
		s = &m->slots[*iter];
		if (s->h == 0)
			continue;
		*key = s->key;
		*len = s->len;
		*val = &s->val;
		(*iter)++;
		return 1;
	}
	return 0;
}

void
hmap_clear(struct hmap *m)
{
	struct chunk *c, *next;

	memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
	/* Keep the chunks for the next keys. */
	for (c = m->arena; c != NULL; c = next) {
		next = c->next;
		c->next = m->spare;
		m->spare = c;
	}
	m->arena = NULL;
}

void
hmap_free(struct hmap *m)
{
	struct chunk *c, *next;

	if (m == NULL)
		return;
	for (c = m->arena; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	for (c = m->spare; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	free(m->slots);
	free(m);
}
