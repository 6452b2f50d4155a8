/* See LICENSE file for copyright and license details. */
/* lib/s3xml: ListObjectsV2 pages and error bodies, and their limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3xml.h"
#include "unit.h"

static const char page[] =
"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
"<Name>b</Name><Prefix></Prefix><KeyCount>3</KeyCount>"
"<IsTruncated>true</IsTruncated>"
"<NextContinuationToken>tok/en+=</NextContinuationToken>"
"<Contents><Key>a&amp;b &lt;c&gt; &apos;d&#x27;</Key>"
"<LastModified>2024-01-05T02:56:06.000Z</LastModified>"
"<ETag>&quot;0123abcd&quot;</ETag><Size>1234567890123</Size>"
"<Owner><ID>x</ID></Owner><StorageClass>STANDARD</StorageClass></Contents>"
"<Contents><Key>caf\xc3\xa9/%41</Key><Size>0</Size></Contents>"
"<Contents><Size>5</Size></Contents>"
"<CommonPrefixes><Prefix>dir/</Prefix></CommonPrefixes>"
"<CommonPrefixes><Prefix>other/</Prefix></CommonPrefixes>"
"</ListBucketResult>";

static void
list(void)
{
	struct s3xml_list l = { 0 };
	char err[256] = "";

	CHECK_INT(s3xml_parse_list(page, sizeof(page) - 1, &l, err,
	    sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(l.nobj, 3);
	CHECK_INT(l.nprefix, 2);
	CHECK_INT(l.truncated, 1);
	CHECK_STR(l.next_token, "tok/en+=");
	if (l.nobj == 3) {
		CHECK_STR(l.obj[0].key, "a&b <c> 'd'");
		CHECK_INT(l.obj[0].size, 1234567890123LL);
		CHECK_STR(l.obj[0].lastmod, "2024-01-05T02:56:06.000Z");
		CHECK_STR(l.obj[0].etag, "\"0123abcd\"");
		/* not decoded: the page did not say EncodingType url */
		CHECK_STR(l.obj[1].key, "caf\xc3\xa9/%41");
		CHECK_INT(l.obj[1].size, 0);
		CHECK_STR(l.obj[1].etag, "");
		CHECK_STR(l.obj[2].key, "");	/* no Key: empty, not NULL */
	}
	if (l.nprefix == 2) {
		CHECK_STR(l.prefix[0], "dir/");
		CHECK_STR(l.prefix[1], "other/");
	}
	s3xml_list_free(&l);
	CHECK(l.obj == NULL && l.nobj == 0 && l.prefix == NULL &&
	    l.next_token == NULL && l.truncated == 0);
}

static void
urlencoded(void)
{
	static const char x[] =
	    "<ListBucketResult><EncodingType>url</EncodingType>"
	    "<IsTruncated>false</IsTruncated>"
	    "<Contents><Key>a%20b%2Fc%25d%zz</Key></Contents>"
	    "<CommonPrefixes><Prefix>p%3Aq/</Prefix></CommonPrefixes>"
	    "</ListBucketResult>";
	struct s3xml_list l = { 0 };
	char err[256];

	CHECK_INT(s3xml_parse_list(x, sizeof(x) - 1, &l, err, sizeof(err)), 0);
	CHECK_INT(l.truncated, 0);
	CHECK(l.next_token == NULL);
	if (l.nobj == 1)
		CHECK_STR(l.obj[0].key, "a b/c%d%zz");
	if (l.nprefix == 1)
		CHECK_STR(l.prefix[0], "p:q/");
	s3xml_list_free(&l);
}

/* Every refusal: -1 and a reason in err. */
static void
refused(void)
{
	static const char doctype[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]>"
	    "<ListBucketResult><Name>&a;</Name></ListBucketResult>";
	static const char broken[] = "<ListBucketResult><Contents>";
	static char big[64 * 1024 + 64];
	struct s3xml_list l = { 0 };
	char err[256], *x;
	size_t i, n;

	CHECK_INT(s3xml_parse_list(doctype, sizeof(doctype) - 1, &l, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "DOCTYPE") != NULL);
	s3xml_list_free(&l);
	CHECK_INT(s3xml_parse_list(broken, sizeof(broken) - 1, &l, err,
	    sizeof(err)), -1);
	CHECK(strncmp(err, "bad XML in response: ", 21) == 0);
	s3xml_list_free(&l);
	CHECK_INT(s3xml_parse_list("", 0, &l, err, sizeof(err)), -1);
	s3xml_list_free(&l);

	/* 65 levels */
	x = malloc(65 * 7 + 1);
	for (i = n = 0; i < 65; i++)
		n += (size_t)sprintf(x + n, "<a>");
	for (i = 0; i < 65; i++)
		n += (size_t)sprintf(x + n, "</a>");
	CHECK_INT(s3xml_parse_list(x, n, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, "nested too deeply") != NULL);
	s3xml_list_free(&l);
	free(x);

	/* a text node of 64 KiB + 1 */
	n = (size_t)snprintf(big, sizeof(big), "<Error><Code>%0*d</Code></Error>",
	    64 * 1024 + 1, 0);
	CHECK_INT(s3xml_parse_list(big, n, &l, err, sizeof(err)), -1);
	CHECK(strstr(err, "64 KiB") != NULL);
	s3xml_list_free(&l);
	CHECK(s3xml_find(big, n, "Code") == NULL);
}

/* 100000 entries pass, one more does not; bodies over 1 MiB are fed in pieces. */
static void
entries(void)
{
	static const char head[] = "<ListBucketResult>";
	static const char item[] = "<Contents><Key>k</Key></Contents>";
	static const char pfx[] = "<CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>";
	static const char tail[] = "</ListBucketResult>";
	struct s3xml_list l = { 0 };
	size_t n = 0, i;
	char err[256], *x;

	x = malloc(sizeof(head) + 100001 * (sizeof(pfx)) + sizeof(tail));
	memcpy(x + n, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	for (i = 0; i < 99999; i++) {
		memcpy(x + n, item, sizeof(item) - 1);
		n += sizeof(item) - 1;
	}
	memcpy(x + n, pfx, sizeof(pfx) - 1);
	n += sizeof(pfx) - 1;
	memcpy(x + n, tail, sizeof(tail));
	CHECK(n > 2 * 1024 * 1024);
	CHECK_INT(s3xml_parse_list(x, n + sizeof(tail) - 1, &l, err,
	    sizeof(err)), 0);
	CHECK_INT(l.nobj, 99999);
	CHECK_INT(l.nprefix, 1);
	s3xml_list_free(&l);
	memcpy(x + n, item, sizeof(item) - 1);
	n += sizeof(item) - 1;
	memcpy(x + n, tail, sizeof(tail));
	CHECK_INT(s3xml_parse_list(x, n + sizeof(tail) - 1, &l, err,
	    sizeof(err)), -1);
	CHECK(strstr(err, "more than 100000 entries") != NULL);
	s3xml_list_free(&l);
	free(x);
}

static void
find(void)
{
	static const char e[] =
	    "<?xml version=\"1.0\"?><Error><Code>NoSuchKey</Code>"
	    "<Message>The key &apos;k&apos; does not exist</Message>"
	    "<Deep><Deeper><UploadId>u-1</UploadId></Deeper></Deep>"
	    "<Code>second</Code><Empty></Empty></Error>";
	static const char ns[] =
	    "<x:Error xmlns:x=\"urn:x\"><x:Code>NS</x:Code></x:Error>";
	char *s;

	s = s3xml_find(e, sizeof(e) - 1, "Code");
	CHECK_STR(s, "NoSuchKey");			/* the first */
	free(s);
	s = s3xml_find(e, sizeof(e) - 1, "Message");
	CHECK_STR(s, "The key 'k' does not exist");
	free(s);
	s = s3xml_find(e, sizeof(e) - 1, "UploadId");	/* any depth */
	CHECK_STR(s, "u-1");
	free(s);
	s = s3xml_find(e, sizeof(e) - 1, "Empty");
	CHECK_STR(s, "");
	free(s);
	CHECK(s3xml_find(e, sizeof(e) - 1, "ETag") == NULL);
	s = s3xml_find(ns, sizeof(ns) - 1, "Code");	/* namespaces ignored */
	CHECK_STR(s, "NS");
	free(s);
	CHECK(s3xml_find("not xml", 7, "Code") == NULL);
	CHECK(s3xml_find("", 0, "Code") == NULL);
}

static void
urldecode(void)
{
	char s[64];

	strcpy(s, "a%20b%2fc%2F%41%zz%4%");
	CHECK(s3xml_urldecode(s) == s);
	CHECK_STR(s, "a b/c/A%zz%4%");
	strcpy(s, "%e6%97%a5");
	CHECK_STR(s3xml_urldecode(s), "\xe6\x97\xa5");
	strcpy(s, "");
	CHECK_STR(s3xml_urldecode(s), "");
}

int
main(void)
{
	RUN(list);
	RUN(urlencoded);
	RUN(refused);
	RUN(entries);
	RUN(find);
	RUN(urldecode);
	return unit_done("s3xml");
}
