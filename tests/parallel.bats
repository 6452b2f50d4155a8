#!/usr/bin/env bats
# The GNU parallel recipes of s3logs(7), against RGW and PostgreSQL:
# -j for network-bound jobs, -X to batch URLs per s3cat, --halt to fail
# fast, -S to spread the work over hosts by SSH (here one sshd on
# loopback standing in for a second host).
load helper

setup() {
	need_servers
	T=$BATS_TEST_TMPDIR
	B=$(mkbucket par)
	newdb par
	"$ROOT/bench/genlogs.py" -n 2000 --objects 20 -s 21 --dir "$T/objs"
	aws s3 cp --recursive --quiet "$T/objs" "s3://$B/"
	want=$(cat "$T"/objs/* | cksum)
}

teardown() {
	if [ -s "${T:-/nonexistent}/sshd.pid" ]; then
		kill "$(cat "$T/sshd.pid")" 2>/dev/null || true
	fi
}

@test "parallel -j 16 s3cat: one object per job, output complete with -k" {
	run -0 --separate-stderr bash -o pipefail -c \
	    "s3ls s3://$B/ | parallel -k -j 16 s3cat | cksum"
	[ "$output" = "$want" ]
	# s3cat says nothing; GNU parallel itself may warn that a loaded
	# machine let it start fewer than 16 jobs at once.
	[ -z "$(printf '%s\n' "$stderr" | grep -v '^parallel: Warning: ' || true)" ]
}

@test "parallel -X s3cat: URLs batched per process, then loaded" {
	run -0 --separate-stderr bash -o pipefail -c \
	    "s3ls s3://$B/ | parallel -X -j 2 s3cat | logparse | pgload"
	[ "$(q 'SELECT count(*) FROM logs')" -eq 2000 ]
}

@test "parallel --halt now,fail=1: a failing job fails the pipeline" {
	run --separate-stderr bash -o pipefail -c \
	    "{ s3ls s3://$B/; echo s3://$B/no-such-object; } |
	    parallel -j 1 --halt now,fail=1 s3cat | logparse | pgload"
	[ "$status" -ne 0 ]
	[[ $stderr == *"s3cat: s3://$B/no-such-object: 404 NoSuchKey"* ]]
}

@test "parallel -S: fetching and parsing spread to another host over SSH" {
	command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip "no sshd"
	ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$T/userkey"
	cp "$T/userkey.pub" "$T/authorized_keys"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$T/sshd_config" <<-CONF
	Port $port
	ListenAddress 127.0.0.1
	HostKey $T/hostkey
	PidFile $T/sshd.pid
	AuthorizedKeysFile $T/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	StrictModes no
	UsePAM no
	CONF
	mkdir -p /run/sshd
	/usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log"
	for _ in $(seq 50); do [ -s "$T/sshd.pid" ] && break; sleep 0.1; done
	ssh="ssh -p $port -i $T/userkey -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
	envs="--env PATH --env AWS_ENDPOINT_URL --env AWS_ACCESS_KEY_ID --env AWS_SECRET_ACCESS_KEY --env AWS_REGION --env AWS_CONFIG_FILE --env AWS_SHARED_CREDENTIALS_FILE --env AWS_EC2_METADATA_DISABLED"
	# Fetch on the "remote" host, batching URLs per s3cat.
	run -0 --separate-stderr bash -o pipefail -c \
	    "s3ls s3://$B/ | parallel -k -X -S 127.0.0.1 --ssh '$ssh' $envs s3cat | cksum"
	[ "$output" = "$want" ]
	# Parse there too: blocks of the stream through logparse, loaded here.
	run -0 --separate-stderr bash -o pipefail -c \
	    "s3ls s3://$B/ | parallel -X s3cat |
	    parallel --pipe --block 200k -S 127.0.0.1 --ssh '$ssh' $envs logparse | pgload"
	[ "$(q 'SELECT count(*) FROM logs')" -eq 2000 ]
	grep -q 'Accepted publickey' "$T/sshd.log"
}
