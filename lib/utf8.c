/* See LICENSE file for copyright and license details. */
#include <stdint.h>
#include <string.h>

#include "utf8.h"

size_t
utf8_len(const void *s, size_t n)
{
	const unsigned char *p = s;
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t k, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		if (c == 0xE0)
			lo = 0xA0;	/* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F;	/* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;	/* nothing above U+10FFFF */
	} else
		return 0;
	if (n < 2 || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < k; i++)
		if (i >= n || p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return k;
}

int
utf8_valid(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0, k;
	uint64_t w;

	while (i < n) {
		/* 8 bytes at a time while none is >= 0x80 or NUL. */
		while (i + 8 <= n) {
			memcpy(&w, p + i, 8);
			if ((w & 0x8080808080808080ULL) != 0 ||
			    ((w - 0x0101010101010101ULL) & ~w &
			    0x8080808080808080ULL) != 0)
				break;
			i += 8;
		}
		if (i == n)
			break;
		if (p[i] == 0 || (k = utf8_len(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}
