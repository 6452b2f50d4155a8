/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_AWSCONF_H
#define S3LOGS_AWSCONF_H

/*
 * The AWS CLI's shared files (~/.aws/credentials, ~/.aws/config): INI
 * with "[section]" headers, "key = value" lines, '#' and ';' comments.
 * Indented lines continue a nested block ("s3 =\n  endpoint_url = ...")
 * and belong to it, not to the section.
 */

/*
 * The value of key in [section] of the file at path, as a new string, or
 * NULL when the file, the section or the key is absent (errno ENOENT) or
 * the file cannot be read (errno from fopen).
 */
char	*awsconf_get(const char *path, const char *section, const char *key);

/*
 * The value of key in the block nested under parent in [section]
 * ("s3 =\n    addressing_style = path"), as awsconf_get.
 */
char	*awsconf_get_nested(const char *path, const char *section,
	    const char *parent, const char *key);

#endif
