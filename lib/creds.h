/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_CREDS_H
#define S3LOGS_CREDS_H

#include <stddef.h>
#include <time.h>

#include "trace.h"

/*
 * AWS credentials, found the way the AWS CLI (botocore) finds them:
 *
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
 *   2. the profile's role_arn with source_profile or credential_source:
 *      STS AssumeRole, signed with the source's credentials
 *   3. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (or the
 *      profile's role_arn + web_identity_token_file): STS
 *      AssumeRoleWithWebIdentity
 *   4. the profile's SSO settings: the CLI's token cache
 *      (~/.aws/sso/cache/SHA1.json), then the portal's GetRoleCredentials
 *   5. keys in the credentials file
 *   6. the profile's credential_process
 *   7. keys in the config file
 *   8. container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 *      _FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE])
 *   9. EC2 instance metadata (IMDSv2) unless AWS_EC2_METADATA_DISABLED
 *
 * STS is reached at AWS_ENDPOINT_URL_STS, else sts.REGION.amazonaws.com;
 * the SSO portal at AWS_ENDPOINT_URL_SSO, else
 * portal.sso.SSO_REGION.amazonaws.com.  Nothing here prints or exits (but
 * x*alloc); messages name the source and never hold a secret or token.
 */

struct creds {
	char	*access_key;
	char	*secret_key;
	char	*session_token;	/* NULL for long-term keys */
	time_t	 expiration;	/* 0: they do not expire */
	char	*source;	/* "environment", "web identity", ... */
};

struct creds_ctx {
	const char	*profile;	/* "default" or a name */
	const char	*cred_file;	/* the shared files; NULL if none */
	const char	*conf_file;
	const char	*region;	/* for the regional STS endpoint */
	const char	*ca_bundle;	/* NULL: the system store */
	trace_fn	*trace;	/* -v: NULL, or the sink (trace.h) */
};

/*
 * Fill cr from the first source above that is configured.  Returns 0;
 * -1 with err set when no source is configured (a configuration error);
 * -2 with err set ("web identity (STS at URL): 400 InvalidIdentityToken")
 * when a configured source failed or refused.
 */
int	 creds_load(const struct creds_ctx *x, struct creds *cr, char *err,
	    size_t errlen);

/* Free what cr holds (the secret is zeroed first) and zero it. */
void	 creds_free(struct creds *cr);

/* "2026-12-03T15:00:00Z" (fraction and +00:00 allowed) as a time_t, or
 * 0 if s is not such a time. */
time_t	 creds_iso8601(const char *s);

#endif
