/* See LICENSE file for copyright and license details. */
#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "out.h"
#include "s3.h"
#include "s3list.h"
#include "s3xml.h"
#include "sigv4.h"
#include "util.h"

#define MINPART		(5LL * 1024 * 1024)	/* S3's smallest part */
#define MAXPARTS	10000

static struct s3_config cfg;
static struct s3_client cl;
static int	 vflag, nflag, delflag;
static const char *cache_control, *ctype_opt;
static long long partsize = 16LL * 1024 * 1024;

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: s3put [-Anrv] [--delete] [-c cache-control] [-t content-type] file ... url\n"
	"  -A                  anonymous: unsigned requests\n"
	"  -c cache-control    Cache-Control header for every object\n"
	"  -n                  dry run: report what would be uploaded\n"
	"  -r                  synchronise each directory file to the prefix url\n"
	"  -t content-type     Content-Type for every object\n"
	"  -v                  trace each request and upload\n"
	"  --delete            with -r, delete remote objects not in the directory\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: s3put [-Anrv] [--delete] [-c cache-control] "
	    "[-t content-type] file ... url\n");
	exit(2);
}

static const struct {
	const char	*ext;
	const char	*type;
} types[] = {
	{ "css", "text/css; charset=utf-8" },
	{ "csv", "text/csv; charset=utf-8" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "htm", "text/html; charset=utf-8" },
	{ "html", "text/html; charset=utf-8" },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript; charset=utf-8" },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "md", "text/markdown; charset=utf-8" },
	{ "mjs", "text/javascript; charset=utf-8" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "svg", "image/svg+xml" },
	{ "tsv", "text/tab-separated-values; charset=utf-8" },
	{ "txt", "text/plain; charset=utf-8" },
	{ "wasm", "application/wasm" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml" },
	{ "zip", "application/zip" },
};

/* Content-Type from the key's extension (what a website needs). */
static const char *
content_type(const char *key)
{
	const char *dot = strrchr(key, '.'), *sl = strrchr(key, '/');
	size_t i;

	if (ctype_opt != NULL)
		return ctype_opt;
	if (dot != NULL && (sl == NULL || dot > sl))
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strcasecmp(dot + 1, types[i].ext) == 0)
				return types[i].type;
	return "application/octet-stream";
}

/* n bytes of d as lower-case hex into out. */
static void
hex(const unsigned char *d, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* MD5 (hex and base64) and SHA-256 (hex) of a memory block. */
struct sums {
	unsigned char	md5[16];
	char		md5hex[33];
	char		md5b64[32];
	char		sha256[65];
};

static void
sums_mem(const char *p, size_t n, struct sums *s)
{
	unsigned int l = 16;

	EVP_Digest(p, n, s->md5, &l, EVP_md5(), NULL);
	hex(s->md5, 16, s->md5hex);
	EVP_EncodeBlock((unsigned char *)s->md5b64, s->md5, 16);
	sigv4_sha256_hex(p, n, s->sha256);
}

/* The same over len bytes of fd at off.  Returns 0 or -1 with errno. */
static int
sums_fd(int fd, off_t off, long long len, struct sums *s)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new(), *h = EVP_MD_CTX_new();
	unsigned char d[32];
	static char buf[1 << 16];
	unsigned int l;
	ssize_t r;
	int rc = -1;

	if (m == NULL || h == NULL)
		errx(1, "OpenSSL: out of memory");
	EVP_DigestInit_ex(m, EVP_md5(), NULL);
	EVP_DigestInit_ex(h, EVP_sha256(), NULL);
	while (len > 0) {
		r = pread(fd, buf, len < (long long)sizeof(buf) ? (size_t)len :
		    sizeof(buf), off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto out;
		if (r == 0) {
			errno = EIO;	/* the file shrank under us */
			goto out;
		}
		EVP_DigestUpdate(m, buf, (size_t)r);
		EVP_DigestUpdate(h, buf, (size_t)r);
		off += r;
		len -= r;
	}
	l = 16;
	EVP_DigestFinal_ex(m, s->md5, &l);
	hex(s->md5, 16, s->md5hex);
	EVP_EncodeBlock((unsigned char *)s->md5b64, s->md5, 16);
	l = 32;
	EVP_DigestFinal_ex(h, d, &l);
	hex(d, 32, s->sha256);
	rc = 0;
out:
	EVP_MD_CTX_free(m);
	EVP_MD_CTX_free(h);
	return rc;
}

/* The Content-Type, Cache-Control and Content-MD5 headers of an upload. */
static void
put_headers(struct s3_request *r, const char *key, const struct sums *s)
{
	s3_req_header(r, "Content-Type", content_type(key));
	if (cache_control != NULL)
		s3_req_header(r, "Cache-Control", cache_control);
	if (s != NULL)
		s3_req_header(r, "Content-MD5", s->md5b64);
}

/* One PutObject of body.  Returns 0 or -1 with err. */
static int
put_single(const char *bucket, const char *key, const struct s3_body *b,
    const struct sums *s, char *err, size_t errlen)
{
	struct s3_request r;
	struct s3_response resp = { 0 };
	int rc;

	memset(&r, 0, sizeof(r));
	r.method = "PUT";
	r.bucket = bucket;
	r.key = key;
	r.payload_hash = s->sha256;
	put_headers(&r, key, s);
	rc = s3_perform(&cl, &r, b, &resp, err, errlen);
	buf_free(&resp.body);
	return rc;
}

struct mpu {
	const char	*bucket, *key;
	char		*upload_id;
	char		**etags;
	size_t		 nparts;
};

/* CreateMultipartUpload: u->upload_id, or -1 with err set. */
static int
mpu_start(struct mpu *u, char *err, size_t errlen)
{
	struct s3_request r;
	struct s3_response resp = { 0 };

	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.bucket = u->bucket;
	r.key = u->key;
	s3_req_query(&r, "uploads", NULL);
	put_headers(&r, u->key, NULL);
	if (s3_perform(&cl, &r, NULL, &resp, err, errlen) == -1) {
		buf_free(&resp.body);
		return -1;
	}
	u->upload_id = resp.body.p ? s3xml_find(resp.body.p, resp.body.len,
	    "UploadId") : NULL;
	buf_free(&resp.body);
	if (u->upload_id == NULL || *u->upload_id == '\0') {
		snprintf(err, errlen, "no UploadId in the answer");
		return -1;
	}
	return 0;
}

/* UploadPart of body b as the next part; its ETag is kept. */
static int
mpu_part(struct mpu *u, const struct s3_body *b, const struct sums *s,
    char *err, size_t errlen)
{
	struct s3_request r;
	struct s3_response resp = { 0 };
	char num[16];

	if (u->nparts >= MAXPARTS) {
		snprintf(err, errlen, "more than %d parts: raise "
		    "S3LOGS_PART_SIZE", MAXPARTS);
		return -1;
	}
	snprintf(num, sizeof(num), "%zu", u->nparts + 1);
	memset(&r, 0, sizeof(r));
	r.method = "PUT";
	r.bucket = u->bucket;
	r.key = u->key;
	r.payload_hash = s->sha256;
	s3_req_query(&r, "partNumber", num);
	s3_req_query(&r, "uploadId", u->upload_id);
	s3_req_header(&r, "Content-MD5", s->md5b64);
	if (s3_perform(&cl, &r, b, &resp, err, errlen) == -1) {
		buf_free(&resp.body);
		return -1;
	}
	buf_free(&resp.body);
	u->etags = xreallocarray(u->etags, u->nparts + 1, sizeof(*u->etags));
	u->etags[u->nparts++] = xstrdup(resp.etag);
	return 0;
}

/* CompleteMultipartUpload of the parts uploaded: 0, or -1 with err set. */
static int
mpu_complete(struct mpu *u, char *err, size_t errlen)
{
	struct s3_request r;
	struct s3_response resp = { 0 };
	struct buf x = { 0 };
	struct s3_body b = { 0 };
	struct sums s;
	char line[160], *code;
	size_t i;
	int rc = -1;

	buf_add(&x, "<CompleteMultipartUpload>", 25);
	for (i = 0; i < u->nparts; i++) {
		snprintf(line, sizeof(line), "<Part><PartNumber>%zu</PartNumber>"
		    "<ETag>%s</ETag></Part>", i + 1, u->etags[i]);
		buf_add(&x, line, strlen(line));
	}
	buf_add(&x, "</CompleteMultipartUpload>", 26);
	sums_mem(x.p, x.len, &s);
	b.mem = x.p;
	b.len = (long long)x.len;
	memset(&r, 0, sizeof(r));
	r.method = "POST";
	r.bucket = u->bucket;
	r.key = u->key;
	r.payload_hash = s.sha256;
	s3_req_query(&r, "uploadId", u->upload_id);
	s3_req_header(&r, "Content-Type", "application/xml");
	if (s3_perform(&cl, &r, &b, &resp, err, errlen) == 0) {
		/* S3 may answer 200 and put the error in the body. */
		if (resp.body.p != NULL && (code = s3xml_find(resp.body.p,
		    resp.body.len, "Code")) != NULL) {
			snprintf(err, errlen, "200 %s", code);
			free(code);
		} else
			rc = 0;
	}
	buf_free(&resp.body);
	buf_free(&x);
	return rc;
}

/* Free u; with abort_it, abort the upload first. */
static void
mpu_free(struct mpu *u, int abort_it)
{
	struct s3_request r;
	struct s3_response resp = { 0 };
	char err[S3_ERRLEN];
	size_t i;

	if (abort_it && u->upload_id != NULL) {
		/* Leave no parts behind to be billed for. */
		memset(&r, 0, sizeof(r));
		r.method = "DELETE";
		r.bucket = u->bucket;
		r.key = u->key;
		s3_req_query(&r, "uploadId", u->upload_id);
		(void)s3_perform(&cl, &r, NULL, &resp, err, sizeof(err));
		buf_free(&resp.body);
	}
	for (i = 0; i < u->nparts; i++)
		free(u->etags[i]);
	free(u->etags);
	free(u->upload_id);
	memset(u, 0, sizeof(*u));
}

/* Upload size bytes of the regular file open on fd. */
static int
put_fd(int fd, long long size, const char *bucket, const char *key,
    char *err, size_t errlen)
{
	struct s3_body b = { 0 };
	struct sums s;
	struct mpu u = { 0 };
	long long off, n;

	b.fd = fd;
	if (size <= partsize) {
		if (sums_fd(fd, 0, size, &s) == -1) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			return -1;
		}
		b.len = size;
		return put_single(bucket, key, &b, &s, err, errlen);
	}
	u.bucket = bucket;
	u.key = key;
	if (mpu_start(&u, err, errlen) == -1)
		return -1;
	for (off = 0; off < size; off += n) {
		n = size - off < partsize ? size - off : partsize;
		if (sums_fd(fd, off, n, &s) == -1) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			goto fail;
		}
		b.off = off;
		b.len = n;
		if (mpu_part(&u, &b, &s, err, errlen) == -1)
			goto fail;
	}
	if (mpu_complete(&u, err, errlen) == -1)
		goto fail;
	mpu_free(&u, 0);
	return 0;
fail:
	mpu_free(&u, 1);
	return -1;
}

/* Fill buf with up to cap bytes of stdin; returns the count, -1 on error. */
static long long
read_full(char *buf, long long cap)
{
	long long got = 0;
	ssize_t r;

	while (got < cap) {
		r = read(0, buf + got, (size_t)(cap - got));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

/*
 * Standard input, which cannot be read twice: one part in memory at a
 * time; a single PUT if it all fits in one.
 */
static int
put_stdin(const char *bucket, const char *key, char *err, size_t errlen)
{
	struct s3_body b = { 0 };
	struct sums s;
	struct mpu u = { 0 };
	char *buf = xmalloc((size_t)partsize);
	long long n;
	int rc = -1;

	if ((n = read_full(buf, partsize)) == -1) {
		snprintf(err, errlen, "stdin: %s", strerror(errno));
		goto out;
	}
	b.mem = buf;
	if (n < partsize) {
		b.len = n;
		sums_mem(buf, (size_t)n, &s);
		rc = put_single(bucket, key, &b, &s, err, errlen);
		goto out;
	}
	u.bucket = bucket;
	u.key = key;
	if (mpu_start(&u, err, errlen) == -1)
		goto out;
	while (n > 0) {
		b.len = n;
		sums_mem(buf, (size_t)n, &s);
		if (mpu_part(&u, &b, &s, err, errlen) == -1)
			break;
		if ((n = read_full(buf, partsize)) == -1) {
			snprintf(err, errlen, "stdin: %s", strerror(errno));
			break;
		}
	}
	if (n == 0 && mpu_complete(&u, err, errlen) == 0)
		rc = 0;
	mpu_free(&u, rc == -1);
out:
	free(buf);
	return rc;
}

/*
 * Upload the file path (or - for stdin) to bucket/key: 0, or 1 after a
 * warning.
 */
static int
put_path(const char *path, const char *bucket, const char *key)
{
	char err[S3_ERRLEN];
	struct stat st;
	int fd, rc;

	if (strcmp(path, "-") == 0) {
		if (nflag)
			rc = 0;
		else
			rc = put_stdin(bucket, key, err, sizeof(err));
	} else {
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			warn("%s", path);
			return 1;
		}
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
			if (S_ISDIR(st.st_mode))
				warnx("%s: a directory (use -r)", path);
			else
				warnx("%s: not a regular file", path);
			close(fd);
			return 1;
		}
		rc = nflag ? 0 : put_fd(fd, (long long)st.st_size, bucket, key,
		    err, sizeof(err));
		close(fd);
	}
	if (rc == -1) {
		warnx("s3://%s/%s: %s", bucket, key, err);
		return 1;
	}
	if (vflag || nflag)
		warnx("%s%s -> s3://%s/%s",
		    nflag ? "would upload " : "", path, bucket, key);
	return 0;
}

/* ---- -r: sync a directory tree. */

struct rfile {
	char	*rel;
	long long size;
};

static struct rfile *files;
static size_t	 nfiles;

/* The directories above the one being read, to catch symbolic link loops. */
struct anc {
	dev_t		 dev;
	ino_t		 ino;
	const struct anc *up;
};

static int
cmpname(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Add the regular files under path (rel: its name below the root, "" for
 * the root) to files.  Symbolic links are followed, as aws s3 sync does:
 * a link to a directory is walked under the link's name.  A link back to
 * a directory above it, a dangling link and an unreadable entry are
 * reported.  The names are read and the directory closed before going
 * down, so depth costs no descriptors.  Returns 0, or 1 if anything was
 * left out.
 */
static int
walk(const char *path, const char *rel, const struct anc *up)
{
	struct stat st;
	struct dirent *e;
	struct anc me;
	const struct anc *a;
	char **names = NULL, *p, *r;
	size_t n = 0, i;
	DIR *d;
	int rc = 0;

	if ((d = opendir(path)) == NULL || fstat(dirfd(d), &st) == -1) {
		warn("%s", path);
		if (d != NULL)
			closedir(d);
		return 1;
	}
	me.dev = st.st_dev;
	me.ino = st.st_ino;
	me.up = up;
	for (;;) {
		errno = 0;
		if ((e = readdir(d)) == NULL)
			break;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (errno != 0) {
		warn("%s", path);
		rc = 1;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmpname);
	for (i = 0; i < n; i++) {
		p = s3_fmt("%s/%s", path, names[i]);
		r = *rel ? s3_fmt("%s/%s", rel, names[i]) : xstrdup(names[i]);
		if (stat(p, &st) == -1) {
			warn("%s", p);
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			for (a = &me; a != NULL; a = a->up)
				if (a->dev == st.st_dev && a->ino == st.st_ino)
					break;
			if (a != NULL) {
				warnx("%s: a symbolic link loop, not followed",
				    p);
				rc = 1;
			} else if (walk(p, r, &me) != 0)
				rc = 1;
		} else if (S_ISREG(st.st_mode)) {
			files = xreallocarray(files, nfiles + 1,
			    sizeof(*files));
			files[nfiles].rel = r;
			files[nfiles].size = (long long)st.st_size;
			nfiles++;
			r = NULL;
		}
		free(p);
		free(r);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int
cmprf(const void *a, const void *b)
{
	return strcmp(((const struct rfile *)a)->rel,
	    ((const struct rfile *)b)->rel);
}

struct remote {
	char	*key;
	char	 etag[80];
};

static int
cmprem(const void *a, const void *b)
{
	return strcmp(((const struct remote *)a)->key,
	    ((const struct remote *)b)->key);
}

/* What list_remote() collects. */
struct remotes {
	struct remote	**rp;
	size_t		 *np;
};

/* A page of list_remote(): its keys and ETags, taken. */
static int
remote_page(struct s3xml_list *l, void *arg, char *err, size_t errlen)
{
	struct remotes *rs = arg;
	struct remote *r;
	size_t i;

	for (i = 0; i < l->nobj; i++) {
		*rs->rp = xreallocarray(*rs->rp, *rs->np + 1, sizeof(**rs->rp));
		r = &(*rs->rp)[(*rs->np)++];
		r->key = l->obj[i].key;
		l->obj[i].key = NULL;
		snprintf(r->etag, sizeof(r->etag), "%s", l->obj[i].etag);
	}
	return 0;
}

/* Append the objects under prefix to *rp (*np of them). */
static int
list_remote(const char *bucket, const char *prefix, struct remote **rp,
    size_t *np, char *err, size_t errlen)
{
	struct s3_listing l = { 0 };
	struct remotes rs = { rp, np };

	l.bucket = bucket;
	l.prefix = prefix;
	return s3_list(&cl, &l, remote_page, &rs, err, errlen);
}

/*
 * The ETag S3 would give this file as we would upload it: the MD5, or for
 * a multipart upload the MD5 of the parts' MD5s and "-N".
 */
static int
local_etag(const char *path, long long size, char out[48])
{
	struct sums s;
	EVP_MD_CTX *m;
	unsigned char d[16];
	unsigned int l = 16;
	long long off, n;
	size_t parts = 0;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (size <= partsize) {
		if (sums_fd(fd, 0, size, &s) == 0) {
			snprintf(out, 48, "%s", s.md5hex);
			rc = 0;
		}
		close(fd);
		return rc;
	}
	if ((m = EVP_MD_CTX_new()) == NULL)
		errx(1, "OpenSSL: out of memory");
	EVP_DigestInit_ex(m, EVP_md5(), NULL);
	for (off = 0; off < size; off += n, parts++) {
		n = size - off < partsize ? size - off : partsize;
		if (sums_fd(fd, off, n, &s) == -1)
			goto out;
		EVP_DigestUpdate(m, s.md5, 16);
	}
	EVP_DigestFinal_ex(m, d, &l);
	hex(d, 16, out);
	snprintf(out + 32, 16, "-%zu", parts);
	rc = 0;
out:
	EVP_MD_CTX_free(m);
	close(fd);
	return rc;
}

/*
 * --delete: remove the listed objects under prefix that no local file
 * maps to.  A key outside prefix (a server that ignored the prefix) or
 * equal to it (a "folder" marker; with no prefix, the bucket itself) is
 * never touched.  Returns 0, or 1 if a deletion failed.
 */
static int
delete_stale(const char *bucket, const char *prefix,
    const struct remote *rem, size_t nrem)
{
	struct s3_request r;
	struct s3_response resp;
	struct rfile k;
	char err[S3_ERRLEN];
	size_t i, plen = strlen(prefix);
	int rc = 0;

	for (i = 0; i < nrem; i++) {
		if (strncmp(rem[i].key, prefix, plen) != 0 ||
		    rem[i].key[plen] == '\0')
			continue;
		k.rel = rem[i].key + plen;
		if (nfiles > 0 && bsearch(&k, files, nfiles, sizeof(*files),
		    cmprf) != NULL)
			continue;
		if (vflag || nflag)
			warnx("%sdelete s3://%s/%s",
			    nflag ? "would " : "", bucket, rem[i].key);
		if (nflag)
			continue;
		memset(&r, 0, sizeof(r));
		memset(&resp, 0, sizeof(resp));
		r.method = "DELETE";
		r.bucket = bucket;
		r.key = rem[i].key;
		if (s3_perform(&cl, &r, NULL, &resp, err, sizeof(err)) == -1) {
			warnx("s3://%s/%s: %s", bucket, rem[i].key, err);
			rc = 1;
		}
		buf_free(&resp.body);
	}
	return rc;
}

/* -r: upload what changed under dir to the prefix (and --delete): 0 or 1. */
static int
sync_dir(const char *dir, const char *bucket, const char *prefix0)
{
	struct remote *rem = NULL, k, *hit;
	char err[S3_ERRLEN], *prefix, *key, *path, etag[48], *root;
	size_t nrem = 0, i, plen;
	int rc = 0;

	plen = strlen(prefix0);
	prefix = s3_fmt("%s%s", prefix0, plen > 0 && prefix0[plen - 1] != '/' ?
	    "/" : "");
	root = xstrdup(dir);
	for (i = strlen(root); i > 1 && root[i - 1] == '/'; i--)
		root[i - 1] = '\0';
	if (walk(root, "", NULL) != 0)
		rc = 1;
	if (nfiles > 1)
		qsort(files, nfiles, sizeof(*files), cmprf);
	if (list_remote(bucket, prefix, &rem, &nrem, err, sizeof(err)) == -1) {
		warnx("s3://%s/%s: %s", bucket, prefix, err);
		rc = 1;
		goto out;
	}
	if (nrem > 1)
		qsort(rem, nrem, sizeof(*rem), cmprem);
	for (i = 0; i < nfiles; i++) {
		key = s3_fmt("%s%s", prefix, files[i].rel);
		path = s3_fmt("%s/%s", root, files[i].rel);
		k.key = key;
		hit = nrem == 0 ? NULL : bsearch(&k, rem, nrem, sizeof(*rem),
		    cmprem);
		if (hit != NULL && local_etag(path, files[i].size, etag) == 0 &&
		    strlen(hit->etag) == strlen(etag) + 2 &&
		    strncasecmp(hit->etag + 1, etag, strlen(etag)) == 0) {
			if (vflag)
				warnx("%s: unchanged", path);
		} else if (put_path(path, bucket, key) != 0)
			rc = 1;
		free(key);
		free(path);
	}
	if (delflag && rc != 0)
		warnx("%s: not deleting from s3://%s/%s after the errors above",
		    dir, bucket, prefix);
	else if (delflag && nfiles == 0) {
		/* Most likely a step before us failed; keep the site up. */
		warnx("%s: no files: not deleting everything under s3://%s/%s",
		    dir, bucket, prefix);
		rc = 1;
	} else if (delflag && delete_stale(bucket, prefix, rem, nrem) != 0)
		rc = 1;
out:
	for (i = 0; i < nfiles; i++)
		free(files[i].rel);
	free(files);
	files = NULL;
	nfiles = 0;
	for (i = 0; i < nrem; i++)
		free(rem[i].key);
	free(rem);
	free(prefix);
	free(root);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *ans;
	int cfgrc;
	char err[S3_ERRLEN], *bucket, *key, *k;
	const char *url, *base, *v;
	long long n;
	int ch, Aflag = 0, rflag = 0, rc = 0, i, dirurl;
	static const struct option lopts[] = {
		{ "delete", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};

	if ((ans = std_answer(argc, argv, "s3put", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	while ((ch = getopt_long(argc, argv, "Ac:nrt:v", lopts, NULL)) != -1)
		switch (ch) {
		case 'A':
			Aflag = 1;
			break;
		case 'D':
			delflag = 1;
			break;
		case 'c':
			cache_control = optarg;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'r':
			rflag = 1;
			break;
		case 't':
			ctype_opt = optarg;
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		usage();
	url = argv[argc - 1];
	if (s3_url_split(url, &bucket, &key) == -1)
		errx(2, "%s: not an s3://bucket/key URL", url);
	dirurl = *key == '\0' || key[strlen(key) - 1] == '/';
	if (!rflag && argc > 2 && !dirurl)
		errx(2, "%s: several files need a URL ending in /", url);
	/* Each directory's sync would delete what the others uploaded. */
	if (delflag && (!rflag || argc > 2))
		errx(2, "--delete needs -r and one directory");
	if ((v = getenv("S3LOGS_PART_SIZE")) != NULL && *v != '\0') {
		if (parse_num(v, MINPART, 5LL << 30, &n) == -1)
			errx(2, "S3LOGS_PART_SIZE=%s: not a number of bytes in "
			    "5 MiB..5 GiB", v);
		partsize = n;
	}

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* -2: a credential source failed (exit 1); -1: configuration. */
	if ((cfgrc = s3_config_load(&cfg, Aflag, err, sizeof(err))) != 0)
		errx(cfgrc == -2 ? 1 : 2, "%s", err);
	if (vflag)
		cfg.trace = warnx;
	s3_client_init(&cl, &cfg);
	for (i = 0; i < argc - 1; i++) {
		if (rflag) {
			if (sync_dir(argv[i], bucket, key) != 0)
				rc = 1;
			continue;
		}
		if (dirurl) {
			if (strcmp(argv[i], "-") == 0) {
				warnx("-: standard input needs a full key");
				rc = 1;
				continue;
			}
			base = strrchr(argv[i], '/');
			base = base ? base + 1 : argv[i];
			k = s3_fmt("%s%s", key, base);
		} else
			k = xstrdup(key);
		if (put_path(argv[i], bucket, k) != 0)
			rc = 1;
		free(k);
	}
	free(bucket);
	free(key);
	s3_client_free(&cl);
	s3_config_free(&cfg);
	curl_global_cleanup();
	out_close();
	return rc;
}
