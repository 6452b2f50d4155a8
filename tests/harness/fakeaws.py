#!/usr/bin/env python3
"""Local stand-ins for the AWS services s3logs meets on a real account,
answering in AWS's documented formats (Python stdlib only).

    fakeaws.py PORT UPSTREAM_PORT LOGFILE [option ...]

One HTTP server on 127.0.0.1:PORT serves:

  S3        everything else: an S3 front to the RGW on UPSTREAM_PORT.  It
            checks the SigV4 signature (the secret of the RGW user, or of
            temporary credentials it issued with their session token and
            expiry), checks the credential scope's region against the
            bucket's region, and answers a wrong region as AWS does:
              301 PermanentRedirect (x-amz-bucket-region, <Endpoint>)
              400 AuthorizationHeaderMalformed (x-amz-bucket-region,
                  <Region>; "400body" leaves the header out)
            A good request is re-signed for RGW with the RGW user's key
            (region us-east-1) and relayed.
  STS       POST / (form body): AssumeRole (SigV4, service sts) and
            AssumeRoleWithWebIdentity (unsigned, the token in the body).
  ECS       GET /container/credentials (Authorization: the token).
  IMDSv2    PUT /latest/api/token, GET /latest/meta-data/iam/...
  SSO       GET /federation/credentials?role_name=&account_id=
            (x-amz-sso_bearer_token).

Options:
  key=AK:SK                 the RGW user's key (required)
  bucket=NAME:REGION:MODE   NAME lives in REGION; MODE 301, 400, 400body,
                            or 301bare (no region but to a HEAD)
  ttl=SECONDS               lifetime of issued credentials (default 3600)
  webtoken=T  ecstoken=T  ssotoken=T   the tokens accepted (default "good")

Every request is appended to LOGFILE as one line, e.g.
"S3 GET /b/k region=us-west-2 key=temp", "STS AssumeRole ok",
"ISSUE ASIA... via=sts" (never a secret: the issued secrets and tokens
go to LOGFILE.secrets, for tests that check they are never printed).
"""
import datetime
import hashlib
import hmac
import http.server
import json
import secrets
import sys
import threading
import time
import urllib.parse

import standin
from standin import HOP

PORT, UPSTREAM = int(sys.argv[1]), ("127.0.0.1", int(sys.argv[2]))
LOGF = sys.argv[3]
OPT = {"ttl": "3600", "webtoken": "good", "ecstoken": "good", "ssotoken": "good"}
BUCKETS = {}
for a in sys.argv[4:]:
    k, v = a.split("=", 1)
    if k == "bucket":
        name, region, mode = v.split(":")
        BUCKETS[name] = (region, mode)
    else:
        OPT[k] = v
RGW_AK, RGW_SK = OPT["key"].split(":", 1)
LOCK = threading.Lock()
ISSUED = {}     # access key -> (secret, token, expiry epoch)
IMDS_TOKEN = "imds-" + secrets.token_hex(8)


def log(line):
    with LOCK, open(LOGF, "a") as f:
        f.write(line + "\n")


def issue(via):
    ak = "ASIA" + secrets.token_hex(8).upper()
    sk = secrets.token_urlsafe(30)
    tok = "FQoG" + secrets.token_urlsafe(40)
    exp = int(time.time()) + int(OPT["ttl"])
    with LOCK:
        ISSUED[ak] = (sk, tok, exp)
    log("ISSUE %s via=%s" % (ak, via))
    with LOCK, open(LOGF + ".secrets", "a") as f:
        f.write("%s\n%s\n" % (sk, tok))
    iso = datetime.datetime.fromtimestamp(exp, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ak, sk, tok, exp, iso


# ---- SigV4 -----------------------------------------------------------------

def q(s):
    return urllib.parse.quote(s, safe="-_.~")


def canon_query(raw):
    parts = []
    for p in raw.split("&") if raw else []:
        n, _, v = p.partition("=")
        parts.append((q(urllib.parse.unquote(n)), q(urllib.parse.unquote(v))))
    return "&".join("%s=%s" % nv for nv in sorted(parts))


def signature(sk, date, region, service, sts, ):
    k = ("AWS4" + sk).encode()
    for m in (date, region, service, "aws4_request"):
        k = hmac.new(k, m.encode(), hashlib.sha256).digest()
    return hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()


def canonical(method, path, query, headers, signed, phash):
    ch = "".join("%s:%s\n" % (h, " ".join(headers.get(h, "").split())) for h in signed)
    return "\n".join([method, path, canon_query(query), ch, ";".join(signed), phash])


def sign(sk, ak, amzdate, region, service, creq, signed):
    scope = "%s/%s/%s/aws4_request" % (amzdate[:8], region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amzdate, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    return ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
            % (ak, scope, ";".join(signed), signature(sk, amzdate[:8], region, service, sts)))


def parse_auth(v):
    if not v or not v.startswith("AWS4-HMAC-SHA256 "):
        return None
    f = {}
    for part in v[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, val = part.strip().partition("=")
        f[k] = val
    try:
        ak, date, region, service, _ = f["Credential"].split("/")
        return {"ak": ak, "date": date, "region": region, "service": service,
                "signed": f["SignedHeaders"].split(";"), "sig": f["Signature"]}
    except (KeyError, ValueError):
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype="application/xml", headers=()):
        b = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b)

    def s3_error(self, code, status, msg, extra="", headers=()):
        rid = secrets.token_hex(8).upper()
        self.reply(status, '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
                   '<Message>%s</Message>%s<RequestId>%s</RequestId><HostId>%s</HostId></Error>'
                   % (code, msg, extra, rid, secrets.token_urlsafe(16)), headers=headers)

    def hdrs(self):
        return {k.lower(): v.strip() for k, v in self.headers.items()}

    # Verify a SigV4 request; returns (auth, secret kind) or None (answered).
    def verify(self, service, path, query, body_hash, sts=False):
        h = self.hdrs()
        a = parse_auth(h.get("authorization"))
        if a is None:
            return None, "anonymous"
        if a["ak"] == RGW_AK:
            sk, kind = RGW_SK, "static"
        else:
            with LOCK:
                ent = ISSUED.get(a["ak"])
            if ent is None:
                self.err(sts, 403, "InvalidClientTokenId" if sts else "InvalidAccessKeyId",
                         "The AWS Access Key Id you provided does not exist in our records.")
                return False, None
            sk, tok, exp = ent
            kind = "temp"
            if h.get("x-amz-security-token") != tok:
                self.err(sts, 400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
                return False, None
            if time.time() >= exp:
                log("EXPIRED %s" % a["ak"])
                self.err(sts, 400, "ExpiredToken", "The provided token has expired.")
                return False, None
        creq = canonical(self.command, path, query, h, a["signed"], body_hash)
        want = sign(sk, a["ak"], h.get("x-amz-date", ""), a["region"], a["service"], creq, a["signed"])
        if want.rsplit("Signature=", 1)[1] != a["sig"] or a["service"] != service:
            self.err(sts, 403, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you provided.")
            return False, None
        return a, kind

    def err(self, sts, status, code, msg):
        if sts:
            self.sts_error(status, code, msg)
        else:
            self.s3_error(code, status, msg)

    # ---- STS
    def sts_error(self, status, code, msg):
        self.reply(status, '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                   '<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>'
                   '<RequestId>%s</RequestId></ErrorResponse>' % (code, msg, secrets.token_hex(8)),
                   "text/xml")

    def sts(self, body):
        f = dict(urllib.parse.parse_qsl(body.decode()))
        action = f.get("Action", "")
        if action == "AssumeRoleWithWebIdentity":
            if f.get("WebIdentityToken") != OPT["webtoken"]:
                log("STS %s refused" % action)
                return self.sts_error(400, "InvalidIdentityToken",
                                      "The web identity token that was passed could not be validated by AWS.")
        elif action == "AssumeRole":
            a, kind = self.verify("sts", "/", "", hashlib.sha256(body).hexdigest(), sts=True)
            if a is False:
                log("STS %s refused" % action)
                return None
            if a is None:
                log("STS %s unsigned" % action)
                return self.sts_error(403, "MissingAuthenticationToken",
                                      "Request is missing Authentication Token")
        else:
            return self.sts_error(400, "InvalidAction", "Could not find operation " + action)
        if not f.get("RoleArn") or not f.get("RoleSessionName"):
            return self.sts_error(400, "ValidationError", "RoleArn and RoleSessionName are required")
        log("STS %s ok role=%s session=%s" % (action, f["RoleArn"], f["RoleSessionName"]))
        ak, sk, tok, _, iso = issue("sts")
        self.reply(200, '<{0}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                   '<{0}Result><AssumedRoleUser><AssumedRoleId>AROA:{1}</AssumedRoleId>'
                   '<Arn>{2}/{1}</Arn></AssumedRoleUser><Credentials>'
                   '<AccessKeyId>{3}</AccessKeyId><SecretAccessKey>{4}</SecretAccessKey>'
                   '<SessionToken>{5}</SessionToken><Expiration>{6}</Expiration>'
                   '</Credentials></{0}Result><ResponseMetadata><RequestId>{7}</RequestId>'
                   '</ResponseMetadata></{0}Response>'.format(
                       action, f["RoleSessionName"], f["RoleArn"], ak, sk, tok, iso,
                       secrets.token_hex(8)), "text/xml")

    # ---- container, IMDS, SSO
    def json_creds(self, via, token_name="Token"):
        ak, sk, tok, _, iso = issue(via)
        d = {"AccessKeyId": ak, "SecretAccessKey": sk, token_name: tok, "Expiration": iso}
        return d

    def container(self):
        if self.headers.get("Authorization") != OPT["ecstoken"]:
            log("ECS refused")
            return self.reply(401, json.dumps({"code": "AccessDenied", "message": "bad token"}),
                              "application/json")
        log("ECS ok")
        d = self.json_creds("ecs")
        d["RoleArn"] = "arn:aws:iam::123456789012:role/s3logs"
        self.reply(200, json.dumps(d), "application/json")

    def imds(self):
        if self.command == "PUT" and self.path == "/latest/api/token":
            if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "", "text/plain")
            log("IMDS token")
            return self.reply(200, IMDS_TOKEN, "text/plain")
        if self.headers.get("X-aws-ec2-metadata-token") != IMDS_TOKEN:
            log("IMDS refused")
            return self.reply(401, "", "text/plain")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == base:
            return self.reply(200, "s3logs-role", "text/plain")
        if self.path == base + "s3logs-role":
            log("IMDS creds")
            d = self.json_creds("imds")
            d.update({"Code": "Success", "Type": "AWS-HMAC",
                      "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
            return self.reply(200, json.dumps(d), "text/plain")
        self.reply(404, "", "text/plain")

    def sso(self):
        u = urllib.parse.urlsplit(self.path)
        f = dict(urllib.parse.parse_qsl(u.query))
        if self.headers.get("x-amz-sso_bearer_token") != OPT["ssotoken"]:
            log("SSO refused")
            return self.reply(401, json.dumps({"message": "Session token not found or invalid"}),
                              "application/json",
                              headers=[("x-amzn-ErrorType", "UnauthorizedException")])
        if not f.get("role_name") or not f.get("account_id"):
            return self.reply(400, json.dumps({"message": "role_name and account_id required"}),
                              "application/json")
        log("SSO ok role=%s account=%s" % (f["role_name"], f["account_id"]))
        ak, sk, tok, exp, _ = issue("sso")
        self.reply(200, json.dumps({"roleCredentials": {
            "accessKeyId": ak, "secretAccessKey": sk, "sessionToken": tok,
            "expiration": exp * 1000}}), "application/json")

    # ---- S3
    def s3(self, body):
        u = urllib.parse.urlsplit(self.path)
        h = self.hdrs()
        host = h.get("host", "")
        hostname = host.rsplit(":", 1)[0]
        if hostname.endswith(".localhost"):
            bucket = hostname[:-len(".localhost")]
        else:
            bucket = urllib.parse.unquote(u.path.lstrip("/").split("/", 1)[0])
        a, kind = self.verify("s3", u.path, u.query, h.get("x-amz-content-sha256", ""))
        if a is False:
            return
        region = a["region"] if a else "-"
        log("S3 %s %s region=%s key=%s" % (self.command, u.path, region, kind))
        if a and bucket in BUCKETS and BUCKETS[bucket][0] != region:
            breg, mode = BUCKETS[bucket]
            rh = [("x-amz-bucket-region", breg)]
            if mode == "301bare" and self.command != "HEAD":
                # no region at all: the client has to ask with a HEAD
                return self.s3_error("PermanentRedirect", 301,
                                     "The bucket you are attempting to access must be addressed "
                                     "using the specified endpoint. Please send all future "
                                     "requests to this endpoint.",
                                     "<Bucket>%s</Bucket>" % bucket)
            if mode in ("301", "301bare"):
                return self.s3_error("PermanentRedirect", 301,
                                     "The bucket you are attempting to access must be addressed "
                                     "using the specified endpoint. Please send all future "
                                     "requests to this endpoint.",
                                     "<Endpoint>%s.s3.%s.amazonaws.com</Endpoint><Bucket>%s</Bucket>"
                                     % (bucket, breg, bucket), rh)
            return self.s3_error("AuthorizationHeaderMalformed", 400,
                                 "The authorization header is malformed; the region '%s' is "
                                 "wrong; expecting '%s'" % (region, breg),
                                 "<Region>%s</Region>" % breg, rh if mode == "400" else ())
        out = {}
        for k, v in self.headers.items():
            if k.lower() not in HOP and k.lower() not in ("authorization", "x-amz-security-token"):
                out[k.lower()] = v.strip()
        if a:
            amz = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            out["x-amz-date"] = amz
            signed = [s for s in a["signed"] if s != "x-amz-security-token"]
            if "x-amz-date" not in signed:
                signed = sorted(signed + ["x-amz-date"])
            creq = canonical(self.command, u.path, u.query, out, signed,
                             out.get("x-amz-content-sha256", ""))
            out["authorization"] = sign(RGW_SK, RGW_AK, amz, "us-east-1", "s3", creq, signed)
        up, r = standin.forward(UPSTREAM, self.command, self.path, out.items(), body)
        standin.relay_head(self, r)
        self.end_headers()
        standin.relay_body(self, r)
        up.close()

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        p = self.path
        if self.command == "POST" and p == "/" and b"Action=" in body:
            return self.sts(body)
        if p.startswith("/container/"):
            return self.container()
        if p.startswith("/latest/"):
            return self.imds()
        if p.startswith("/federation/credentials"):
            return self.sso()
        return self.s3(body or None)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


if __name__ == "__main__":
    standin.serve(Handler, PORT)
