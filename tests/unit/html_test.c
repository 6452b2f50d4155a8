/* See LICENSE file for copyright and license details. */
/* lib/html: escaping, percent-encoding, numbers, the buffer, the page. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "unit.h"

#define FFFD	"\xef\xbf\xbd"

static struct html_buf b;

/* What one call appended to an empty buffer. */
#define ESC(s)		(html_reset(&b), html_esc(&b, (s)), b.p ? b.p : "")
#define URL(s, k)	(html_reset(&b), html_url(&b, (s), (k)), b.p ? b.p : "")
#define TSV(s)		(html_reset(&b), html_tsv(&b, (s)), b.p ? b.p : "")
#define NUM(n)		(html_reset(&b), html_num(&b, (n)), b.p)
#define BYTES(n)	(html_reset(&b), html_bytes(&b, (n)), b.p)

static void
esc_markup(void)
{
	CHECK_STR(ESC("<a href=\"x\" title='y'>&amp;</a>"),
	    "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
	CHECK_STR(ESC("plain text"), "plain text");
	CHECK_STR(ESC(""), "");
	CHECK_STR(ESC(NULL), "");
	CHECK_INT(b.n, 0);
}

/* Valid UTF-8 stays; anything else becomes U+FFFD, byte by byte. */
static void
esc_utf8(void)
{
	CHECK_STR(ESC("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
	    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
	CHECK_STR(ESC("\xef\xbf\xbf\xf4\x8f\xbf\xbf"), "\xef\xbf\xbf\xf4\x8f\xbf\xbf");
	CHECK_STR(ESC("a\x80z"), "a" FFFD "z");		/* lone continuation */
	CHECK_STR(ESC("\xc0\xaf"), FFFD FFFD);			/* overlong '/' */
	CHECK_STR(ESC("\xe0\x80\xaf"), FFFD FFFD FFFD);	/* overlong, 3 */
	CHECK_STR(ESC("\xed\xa0\x80"), FFFD FFFD FFFD);	/* surrogate */
	CHECK_STR(ESC("\xf4\x90\x80\x80"), FFFD FFFD FFFD FFFD); /* > 10FFFF */
	CHECK_STR(ESC("\xf8\x88\x80\x80\x80"), FFFD FFFD FFFD FFFD FFFD);
	CHECK_STR(ESC("end\xe2\x82"), "end" FFFD FFFD);	/* cut short */
	CHECK_STR(ESC("\xe2\x82<"), FFFD FFFD "&lt;");
}

/* C0 controls and DEL become U+FFFD, but tab and newline. */
static void
esc_controls(void)
{
	CHECK_STR(ESC("a\tb\nc"), "a\tb\nc");
	CHECK_STR(ESC("\x01\x1b[31m\r\x7f"), FFFD FFFD "[31m" FFFD FFFD);
}

static void
url(void)
{
	CHECK_STR(URL("AZaz09-._~", 0), "AZaz09-._~");
	CHECK_STR(URL("a b/c", 0), "a%20b%2Fc");
	CHECK_STR(URL("a b/c", 1), "a%20b/c");
	CHECK_STR(URL("\"<'>&?#%+", 1), "%22%3C%27%3E%26%3F%23%25%2B");
	CHECK_STR(URL("\xc3\xa9\xff", 0), "%C3%A9%FF");
	CHECK_STR(URL("", 0), "");
	CHECK_STR(URL(NULL, 1), "");
}

static void
tsv(void)
{
	CHECK_STR(TSV("a\tb\nc\rd"), "a%09b%0Ac%0Dd");
	CHECK_STR(TSV("s3://b/k:1@x+y=z,w"), "s3://b/k:1@x+y=z,w");
	CHECK_STR(TSV("<b> %"), "%3Cb%3E%20%25");
	CHECK_STR(TSV(NULL), "");
}

static void
num(void)
{
	CHECK_STR(NUM(0), "0");
	CHECK_STR(NUM(999), "999");
	CHECK_STR(NUM(1000), "1,000");
	CHECK_STR(NUM(123456), "123,456");
	CHECK_STR(NUM(1234567), "1,234,567");
	CHECK_STR(NUM(-1234567), "-1,234,567");
	CHECK_STR(NUM(-12), "-12");
	CHECK_STR(NUM(LLONG_MAX), "9,223,372,036,854,775,807");
	CHECK_STR(NUM(LLONG_MIN), "-9,223,372,036,854,775,808");
}

static void
bytes(void)
{
	CHECK_STR(BYTES(0), "0 B");
	CHECK_STR(BYTES(999), "999 B");
	CHECK_STR(BYTES(1000), "1.00 kB");
	CHECK_STR(BYTES(12345), "12.3 kB");
	CHECK_STR(BYTES(123456), "123 kB");
	CHECK_STR(BYTES(1.5e9), "1.50 GB");
	CHECK_STR(BYTES(2e18), "2.00 EB");
	CHECK_STR(BYTES(5e21), "5000 EB");
}

/* The buffer grows, stays NUL-terminated, and is reusable. */
static void
buffer(void)
{
	struct html_buf x = { 0 };
	char big[10000];
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	html_add(&x, "ab\0c", 4);		/* bytes, NULs included */
	CHECK_INT(x.n, 4);
	CHECK_MEM(x.p, "ab\0c", 5);
	html_reset(&x);
	CHECK_INT(x.n, 0);
	CHECK_STR(x.p, "");
	for (i = 0; i < 10; i++)
		html_add(&x, big, sizeof(big));
	CHECK_INT(x.n, 10 * sizeof(big));
	CHECK_INT(x.p[x.n], 0);
	CHECK(x.cap > x.n);
	html_reset(&x);
	/* printf over what is left, and over the first guess of 128 */
	html_printf(&x, "%d-%s", 42, "x");
	CHECK_STR(x.p, "42-x");
	html_printf(&x, "%.*s|", 5000, big);
	CHECK_INT(x.n, 4 + 5001);
	CHECK_INT(memcmp(x.p + 4, big, 5000), 0);
	CHECK_STR(x.p + 5004, "|");
	html_puts(&x, "end");
	CHECK_STR(x.p + 5005, "end");
	html_free(&x);
	CHECK(x.p == NULL && x.n == 0 && x.cap == 0);
	html_reset(&x);			/* an empty buffer may be reset */
	html_puts(&x, "again");
	CHECK_STR(x.p, "again");
	html_free(&x);
}

/* The skeleton escapes title, sub and note; links are relative to root. */
static void
page(void)
{
	struct html_buf x = { 0 };

	html_begin(&x, "../", "<script>alert(1)</script>", "a & b", 0);
	html_end(&x, "../", "note <i>");
	CHECK(strncmp(x.p, "<!DOCTYPE html>\n", 16) == 0);
	CHECK(strstr(x.p, "<script") == NULL);
	CHECK(strstr(x.p, "<title>&lt;script&gt;alert(1)&lt;/script&gt; ") != NULL);
	CHECK(strstr(x.p, "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>") != NULL);
	CHECK(strstr(x.p, "<p class=\"sub\">a &amp; b</p>") != NULL);
	CHECK(strstr(x.p, "<footer>note &lt;i&gt;</footer>") != NULL);
	CHECK(strstr(x.p, "href=\"../index.html\"") != NULL);
	CHECK(strstr(x.p, "href=\"../files.html\"") != NULL);
	CHECK(strstr(x.p, "http") == NULL);	/* nothing fetched */
	CHECK(strcmp(x.p + x.n - 8, "</html>\n") == 0);
	html_free(&x);

	html_begin(&x, "", "t", NULL, 0);
	CHECK(strstr(x.p, "class=\"sub\"") == NULL);
	CHECK(strstr(x.p, "href=\"index.html\"") != NULL);
	html_reset(&x);
	html_begin(&x, "", "t", "", 0);
	CHECK(strstr(x.p, "class=\"sub\"") == NULL);
	CHECK(strstr(x.p, "countries.html") == NULL);
	html_reset(&x);
	html_begin(&x, "../", "t", NULL, HTML_NAV_COUNTRIES);
	CHECK(strstr(x.p, "href=\"../countries.html\"") != NULL);
	html_free(&x);
}

int
main(void)
{
	int rc;

	RUN(esc_markup);
	RUN(esc_utf8);
	RUN(esc_controls);
	RUN(url);
	RUN(tsv);
	RUN(num);
	RUN(bytes);
	RUN(buffer);
	RUN(page);
	rc = unit_done("html");
	html_free(&b);
	return rc;
}
