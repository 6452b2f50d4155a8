/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_S3XML_H
#define S3LOGS_S3XML_H

#include <stddef.h>

/*
 * The few S3 XML responses we read, parsed with expat.  expat decodes the
 * five predefined entities and numeric references (&apos; from RGW,
 * &#x27; from s3rver); element namespaces are ignored, since s3rver uses
 * a different xmlns from S3.
 */

struct s3xml_object {
	char		*key;		/* decoded */
	long long	 size;
	char		 lastmod[40];	/* as sent: 2024-01-05T02:56:06.000Z */
	char		 etag[80];	/* with its quotes */
};

struct s3xml_list {
	struct s3xml_object *obj;
	size_t		 nobj, capobj;
	char		**prefix;	/* CommonPrefixes, decoded */
	size_t		 nprefix, capprefix;
	int		 truncated;
	char		*next_token;	/* NULL when absent */
};

/*
 * Parse a ListBucketResult (ListObjectsV2) into l, which must be zeroed or
 * have been through s3xml_list_free.  Keys and prefixes are URL-decoded
 * only when the response says <EncodingType>url</EncodingType> (never
 * because we asked: s3rver ignores the request).  n may be any size (it
 * is fed to expat in pieces).  Returns 0, or -1 with a message in err:
 * malformed XML, a DOCTYPE, elements nested over 64 deep, a text node
 * over 64 KiB, more than 100000 keys and prefixes.
 */
int	 s3xml_parse_list(const char *xml, size_t n, struct s3xml_list *l,
	    char *err, size_t errlen);

/* Free what l holds and zero it. */
void	 s3xml_list_free(struct s3xml_list *l);

/*
 * The text of the first element named name (at any depth) as a new
 * string, or NULL if absent or over the limits of s3xml_parse_list.  An
 * element complete before a parse error is still returned, so that the
 * <Code> of a cut-off error body is not lost.  For <Code>, <Message>,
 * <UploadId>, <ETag>.
 */
char	*s3xml_find(const char *xml, size_t n, const char *name);

/* Decode %XX in place (encoding-type=url).  Returns s. */
char	*s3xml_urldecode(char *s);

#endif
