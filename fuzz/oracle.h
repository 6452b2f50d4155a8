/*
 * oracle.h: reference checks that the fuzz targets share.  They are written
 * apart from lib/'s own validators on purpose, so that a target compares
 * two implementations instead of one with itself.
 */
#include <stddef.h>

/* Strict UTF-8 (RFC 3629), no NUL: 1 if p[0..n) is, else 0. */
static int
oracle_utf8(const unsigned char *p, size_t n)
{
	size_t i = 0, k, j;

	while (i < n) {
		unsigned char c = p[i], lo = 0x80, hi = 0xBF;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 2;
		else if (c >= 0xE0 && c <= 0xEF) {
			k = 3;
			lo = c == 0xE0 ? 0xA0 : 0x80;
			hi = c == 0xED ? 0x9F : 0xBF;
		} else if (c >= 0xF0 && c <= 0xF4) {
			k = 4;
			lo = c == 0xF0 ? 0x90 : 0x80;
			hi = c == 0xF4 ? 0x8F : 0xBF;
		} else
			return 0;
		if (i + k > n || p[i + 1] < lo || p[i + 1] > hi)
			return 0;
		for (j = 2; j < k; j++)
			if (p[i + j] < 0x80 || p[i + j] > 0xBF)
				return 0;
		i += k;
	}
	return 1;
}
