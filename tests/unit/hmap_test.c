/* See LICENSE file for copyright and license details. */
/* lib/hmap: byte-string keys to int64_t values, keys copied in. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "unit.h"

static void
empty(void)
{
	struct hmap *m = hmap_new();
	const void *k;
	size_t len, it = 0;
	int64_t *v;
	int isnew = 7;

	CHECK_INT(hmap_count(m), 0);
	CHECK(hmap_get(m, "a", 1, 0, 5, &isnew) == NULL);
	CHECK_INT(isnew, 0);
	CHECK_INT(hmap_count(m), 0);
	CHECK_INT(hmap_next(m, &it, &k, &len, &v), 0);
	hmap_free(m);
	hmap_free(NULL);
}

static void
create(void)
{
	struct hmap *m = hmap_new();
	int64_t *v;
	int isnew = 0;

	v = hmap_get(m, "key", 3, 1, 42, &isnew);
	CHECK(v != NULL);
	CHECK_INT(isnew, 1);
	CHECK_INT(*v, 42);
	*v += 1;
	v = hmap_get(m, "key", 3, 1, 0, &isnew);
	CHECK_INT(isnew, 0);
	CHECK_INT(*v, 43);
	v = hmap_get(m, "key", 3, 0, 0, NULL);
	CHECK(v != NULL && *v == 43);
	/* isnew may be NULL */
	v = hmap_get(m, "other", 5, 1, -1, NULL);
	CHECK(v != NULL && *v == -1);
	CHECK_INT(hmap_count(m), 2);
	hmap_free(m);
}

/* The map keeps its own copy: the caller's buffer may change at once. */
static void
copied(void)
{
	struct hmap *m = hmap_new();
	char buf[16];
	int64_t *v;

	snprintf(buf, sizeof(buf), "first");
	hmap_get(m, buf, 5, 1, 1, NULL);
	snprintf(buf, sizeof(buf), "secnd");
	hmap_get(m, buf, 5, 1, 2, NULL);
	v = hmap_get(m, "first", 5, 0, 0, NULL);
	CHECK(v != NULL && *v == 1);
	v = hmap_get(m, "secnd", 5, 0, 0, NULL);
	CHECK(v != NULL && *v == 2);
	hmap_free(m);
}

/* Keys are bytes: NULs count, a prefix is another key, "" is a key. */
static void
bytes(void)
{
	struct hmap *m = hmap_new();
	int64_t *v;
	int isnew;

	hmap_get(m, "a", 1, 1, 1, NULL);
	hmap_get(m, "a\0", 2, 1, 2, &isnew);
	CHECK_INT(isnew, 1);
	hmap_get(m, "a\0b", 3, 1, 3, &isnew);
	CHECK_INT(isnew, 1);
	hmap_get(m, "a\0c", 3, 1, 4, &isnew);
	CHECK_INT(isnew, 1);
	hmap_get(m, "", 0, 1, 5, &isnew);
	CHECK_INT(isnew, 1);
	CHECK_INT(hmap_count(m), 5);
	v = hmap_get(m, "a\0b", 3, 0, 0, NULL);
	CHECK(v != NULL && *v == 3);
	v = hmap_get(m, "", 0, 0, 0, NULL);
	CHECK(v != NULL && *v == 5);
	v = hmap_get(m, "a", 1, 0, 0, NULL);
	CHECK(v != NULL && *v == 1);
	CHECK(hmap_get(m, "a\0d", 3, 0, 0, NULL) == NULL);
	hmap_free(m);
}

#define MANY 200000

static void
many(void)
{
	struct hmap *m = hmap_new();
	char k[32];
	int64_t *v;
	int i, n, bad = 0;

	for (i = 0; i < MANY; i++) {
		n = snprintf(k, sizeof(k), "key-%d", i);
		v = hmap_get(m, k, (size_t)n, 1, 0, NULL);
		*v = i;
	}
	CHECK_INT(hmap_count(m), MANY);
	for (i = 0; i < MANY; i++) {
		n = snprintf(k, sizeof(k), "key-%d", i);
		v = hmap_get(m, k, (size_t)n, 0, 0, NULL);
		bad += v == NULL || *v != i;
	}
	CHECK_INT(bad, 0);
	hmap_free(m);
}

/* Every key once, with its value. */
static void
iterate(void)
{
	struct hmap *m = hmap_new();
	char k[32], *seen;
	const void *key;
	size_t len, it = 0;
	int64_t *v;
	int i, n, count = 0, bad = 0;

	for (i = 0; i < 5000; i++) {
		n = snprintf(k, sizeof(k), "%d", i);
		*hmap_get(m, k, (size_t)n, 1, 0, NULL) = i;
	}
	seen = calloc(5000, 1);
	while (hmap_next(m, &it, &key, &len, &v)) {
		n = snprintf(k, sizeof(k), "%lld", (long long)*v);
		if (*v < 0 || *v >= 5000 || len != (size_t)n ||
		    memcmp(key, k, len) != 0 || seen[*v]++)
			bad++;
		count++;
	}
	CHECK_INT(count, 5000);
	CHECK_INT(bad, 0);
	CHECK_INT(hmap_next(m, &it, &key, &len, &v), 0);
	free(seen);
	hmap_free(m);
}

/* hmap_clear forgets every key; the map works as new afterwards. */
static void
clear(void)
{
	struct hmap *m = hmap_new();
	char k[32], *big;
	size_t bigsz = 3 * 1024 * 1024;
	int64_t *v;
	int i, n, round, isnew, bad = 0;

	big = malloc(bigsz);
	memset(big, 'x', bigsz);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 3000; i++) {
			n = snprintf(k, sizeof(k), "r%d-%d", round, i);
			hmap_get(m, k, (size_t)n, 1, round, &isnew);
			bad += !isnew;
		}
		/* a key larger than the map's memory chunks */
		big[0] = (char)('a' + round);
		hmap_get(m, big, bigsz, 1, 7, &isnew);
		bad += !isnew;
		CHECK_INT(hmap_count(m), 3001);
		if (round > 0) {
			n = snprintf(k, sizeof(k), "r%d-%d", round - 1, 5);
			CHECK(hmap_get(m, k, (size_t)n, 0, 0, NULL) == NULL);
		}
		v = hmap_get(m, big, bigsz, 0, 0, NULL);
		CHECK(v != NULL && *v == 7);
		hmap_clear(m);
		CHECK_INT(hmap_count(m), 0);
		CHECK(hmap_get(m, big, bigsz, 0, 0, NULL) == NULL);
	}
	CHECK_INT(bad, 0);
	free(big);
	hmap_free(m);
}

int
main(void)
{
	RUN(empty);
	RUN(create);
	RUN(copied);
	RUN(bytes);
	RUN(many);
	RUN(iterate);
	RUN(clear);
	return unit_done("hmap");
}
