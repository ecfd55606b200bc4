# tests/lib/registry.sh - the registry world: TLS registries on 127.0.0.1 with a per-run
# CA, one of them behind a bearer-token realm, and test images pushed with skopeo.
# Made once per tests/run (which exports CBOX_WORLD, a directory, and tears it down at
# the end); a test file run by itself makes its own and tears it down on exit.
#
#   registry_world          set the world up if needed and load its variables (below);
#                           0 when at least the plain registry answers, else 1 with the
#                           reason in WORLD_WHY. Call it directly, not in $(...): it sets
#                           variables (and, run alone, the trap that tears it down)
#   world_need COMP...      0 when every component is there, else 1 and prints why:
#                           reg auth busybox zstd v2s2 debian. Under CI (CI=true) a
#                           missing piece is also a failure: a "FAIL world: ..." line
#                           on stderr (the caller's SKIP line is not enough there)
#   reg_skopeo ARGS...      skopeo with the world's policy, no host registries.conf and
#                           no host auth file (add --cert-dir/--creds yourself)
#   registry_teardown DIR   stop the servers of the world in DIR, remove DIR
#
# Variables (exported):
#   REG                127.0.0.1:PORT, open registry (TLS, no auth)
#   REG_AUTH           127.0.0.1:PORT, registry behind bearer tokens: anonymous pull, except
#                      private/*; REG_USER/REG_PASS pull and push everything
#   REG_REALM REG_SERVICE   the token realm (https URL) and service name
#   REG_CA             the per-run CA certificate (PEM); REG_CERTDIR a dir holding only it
#                      (ca.crt, for skopeo --cert-dir)
#   REG_USER REG_PASS  credentials known to the token server
#   BB_REF             $REG/busybox:latest, an OCI index of linux/amd64 + linux/arm64
#                      (also $REG/library/alpine:latest, for docker.io mapped to $REG)
#   BB_INDEX           its digest; BB_AMD64 BB_ARM64 the platform manifests' digests
#                      (also tagged busybox:amd64, busybox:arm64)
#   BB_ZSTD            digest of $REG/busybox:zstd, index like latest but zstd layers
#                      (BB_ZSTD_AMD64 its amd64 manifest)
#   BB_V2S2            digest of $REG/busybox:v2s2 (Docker schema 2; BB_V2S2_AMD64)
#   DEB_REF DEB_DIGEST $REG/debian:bookworm, 5 layers (minbase, owners, deletions, opaque)
#   BB_LAYOUT          OCI layout: tags latest (index), amd64, arm64, zstd (index),
#                      zstd-amd64, zstd-arm64
#   BB_ARCHIVE         docker-archive tar (docker save format) of busybox amd64, busybox:latest
#   DEB_LAYOUT         OCI layout, tag bookworm
#   REG_AUTH has busybox:latest (anonymous pull) and private/busybox:latest (credentials).
REG_USER=cboxuser
REG_PASS=cbox-secret-pw
REG_SERVICE=cbox-test-registry
REG_ISSUER=cbox-test-token-issuer

registry_world() {
	if [ -z "${CBOX_WORLD:-}" ]; then
		CBOX_WORLD=$T/regworld
		export CBOX_WORLD
		mkdir -p "$CBOX_WORLD"
		: >"$CBOX_WORLD/.cbox-world"
		on_exit 'registry_teardown "$CBOX_WORLD"'
	fi
	if [ ! -f "$CBOX_WORLD/env" ]; then
		(
			flock 9
			[ -f "$CBOX_WORLD/env" ] && exit 0
			t0=$(date +%s)
			(set -x && _rw_setup) >"$CBOX_WORLD/setup.log" 2>&1
			echo "# registry world: set up in $(($(date +%s) - t0))s"
			if grep -qv '^#' "$CBOX_WORLD/missing"; then
				grep -v '^#' "$CBOX_WORLD/missing" | sed 's/^/# registry world: missing /'
				grep -v '^+' "$CBOX_WORLD/setup.log" | tail -n 10 | sed 's/^/#   /'
			fi
		) 9>"$CBOX_WORLD/.lock"
	fi
	WORLD_WHY="registry world setup failed"
	[ -f "$CBOX_WORLD/env" ] || { _rw_absent "$WORLD_WHY" >/dev/null; return 1; }
	. "$CBOX_WORLD/env"
	WORLD_WHY=$(world_need reg) || return 1
	WORLD_WHY=
}

world_need() {
	[ -f "$CBOX_WORLD/missing" ] || { _rw_absent "no registry world (call registry_world)"; return 1; }
	for c in "$@"; do
		why=$(sed -n "s/^$c: //p" "$CBOX_WORLD/missing" | head -n 1)
		[ -z "$why" ] || { _rw_absent "$c: $why"; return 1; }
	done
	return 0
}

# _rw_absent WHY: print WHY; under CI, a failure line on stderr too.
_rw_absent() {
	echo "$1"
	[ "${CI:-}" != true ] ||
		echo "FAIL world: $(basename "$0" .test): the registry world is incomplete under CI: $1" >&2
}

reg_skopeo() {
	CONTAINERS_REGISTRIES_CONF=$CBOX_WORLD/registries.conf REGISTRY_AUTH_FILE=$CBOX_WORLD/auth.json \
		skopeo --policy "$CBOX_WORLD/policy.json" "$@"
}

registry_teardown() {
	[ -n "${1:-}" ] && [ -f "$1/.cbox-world" ] || return 0
	if [ -f "$1/pids" ]; then
		for p in $(cat "$1/pids"); do kill "$p" 2>/dev/null; done
		for i in 1 2 3 4 5 6 7 8 9 10; do
			alive=
			for p in $(cat "$1/pids"); do kill -0 "$p" 2>/dev/null && alive=1; done
			[ -z "$alive" ] && break
			sleep 0.2
		done
		for p in $(cat "$1/pids"); do kill -9 "$p" 2>/dev/null; done
	fi
	rm -rf "$1"
}

# ---- setup, in a subshell, its output in $CBOX_WORLD/setup.log --------------------------
_rw_set() { printf "%s='%s'; export %s\n" "$1" "$2" "$1" >>"$W/env.tmp"; }
_rw_miss() {
	c=$1
	shift
	echo "$c: $*" >>"$W/missing"
	echo "MISSING $c: $*"
}
_rw_done() {
	echo "# world up" >>"$W/missing" # never empty: marks a finished setup
	mv "$W/env.tmp" "$W/env"
}

_rw_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# _rw_wait_https URL PID - until the server answers at all (any HTTP status): while PID
# lives, CBOX_WORLD_WAIT seconds at most (default 180: a loaded machine is slow to start
# docker-registry, a dead server fails at once).
_rw_wait_https() {
	end=$(($(date +%s) + ${CBOX_WORLD_WAIT:-180}))
	while [ "$(date +%s)" -lt $end ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$W/tls/ca.crt" "$1" 2>/dev/null)
		case "$code" in 2?? | 4??) return 0 ;; esac
		kill -0 "$2" 2>/dev/null || { echo "the server (pid $2) exited"; return 1; }
		sleep 0.2
	done
	echo "no answer from $1 within ${CBOX_WORLD_WAIT:-180}s"
	return 1
}

_rw_certs() {
	d=$W/tls
	mkdir -p "$d" "$W/certs"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout "$d/ca.key" -out "$d/ca.crt" \
		-subj "/CN=cbox test CA $(date +%s)-$$" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" || return 1
	openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$d/server.key" -out "$d/server.csr" \
		-subj "/CN=localhost" || return 1
	printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
		-days 2 -sha256 -extfile "$d/server.ext" -out "$d/server.crt" || return 1
	# The token signer: its own self-signed certificate, the registries' rootcertbundle.
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -keyout "$d/signer.key" -out "$d/signer.crt" \
		-subj "/CN=cbox test token signer" || return 1
	cp "$d/ca.crt" "$W/certs/ca.crt"
	chmod 644 "$d/ca.crt" "$W/certs/ca.crt"
}

# _rw_registry NAME PORT [AUTH_YAML] - start docker-registry with TLS on 127.0.0.1:PORT.
_rw_registry() {
	d=$W/$1
	mkdir -p "$d/storage"
	cat >"$d/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $d/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$2
  secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  tls:
    certificate: $W/tls/server.crt
    key: $W/tls/server.key
  headers:
    X-Content-Type-Options: [nosniff]
${3:-}
EOF
	# setsid: out of the process group of the test file that made the world (which
	# tests/run's time limit may stop); the run's end stops it by pid.
	setsid docker-registry serve "$d/config.yml" >"$d/log" 2>&1 </dev/null &
	echo $! >>"$W/pids"
	_rw_wait_https "https://127.0.0.1:$2/v2/" $! || { tail -n 5 "$d/log"; return 1; }
}

_rw_tokenserver() {
	mkdir -p "$W/token"
	printf '%s:%s\n' "$REG_USER" "$REG_PASS" >"$W/token/users"
	setsid python3 "$TOP/tests/lib/tokenserver.py" --port-file "$W/token/port" \
		--tls-cert "$W/tls/server.crt" --tls-key "$W/tls/server.key" \
		--sign-cert "$W/tls/signer.crt" --sign-key "$W/tls/signer.key" \
		--issuer "$REG_ISSUER" --service "$REG_SERVICE" --users "$W/token/users" \
		--private private/ --log "$W/token/log" >"$W/token/out" 2>&1 </dev/null &
	echo $! >>"$W/pids"
	end=$(($(date +%s) + ${CBOX_WORLD_WAIT:-180}))
	while [ ! -s "$W/token/port" ] && [ "$(date +%s)" -lt $end ]; do
		kill -0 $! 2>/dev/null || break
		sleep 0.2
	done
	[ -s "$W/token/port" ] || { tail -n 5 "$W/token/out"; return 1; }
	REG_REALM=https://127.0.0.1:$(cat "$W/token/port")/token
}

# _rw_digest REPO REF [HOST] - the registry's digest of a manifest (Docker-Content-Digest).
_rw_digest() {
	curl -sSf -I --cacert "$W/tls/ca.crt" \
		-H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json' \
		"https://${3:-$REG}/v2/$1/manifests/$2" | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: //p'
}

# _rw_platform_digest REPO REF ARCH - the digest an index on $REG gives linux/ARCH.
_rw_platform_digest() {
	curl -sSf --cacert "$W/tls/ca.crt" \
		-H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' \
		"https://$REG/v2/$1/manifests/$2" | python3 -c 'import json, sys
for m in json.load(sys.stdin)["manifests"]:
    if m["platform"]["os"] == "linux" and m["platform"]["architecture"] == sys.argv[1]:
        print(m["digest"])' "$3"
}

# _rw_layout_digest LAYOUT TAG - the digest a layout's index.json gives TAG.
_rw_layout_digest() {
	python3 -c 'import json, sys
for m in json.load(open(sys.argv[1] + "/index.json"))["manifests"]:
    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == sys.argv[2]:
        print(m["digest"])' "$1" "$2"
}

# _rw_image NAME - the cached OCI layout NAME (busybox, debian), built when missing.
_rw_image() {
	. "$TOP/tests/lib/testimages.sh"
	cache=$(timg_cache_dir)
	mkdir -p "$cache"
	(
		flock 8
		[ -f "$cache/$1/index.json" ] && exit 0
		echo "building the $1 test image into $cache/$1"
		rm -rf "$cache/$1.tmp"*
		"timg_$1" "$cache/$1.tmp" 2>"$cache/$1.err" || { rm -rf "$cache/$1.tmp"*; exit 1; }
		mv "$cache/$1.tmp" "$cache/$1"
		rm -f "$cache/$1.err" "$cache/$1.tmp".*
		# Older keys of the cache are stale.
		for o in "$(dirname "$cache")"/*; do [ "$o" = "$cache" ] || rm -rf "$o"; done
	) 8>"$(dirname "$cache")/.lock"
	if [ ! -f "$cache/$1/index.json" ]; then
		_rw_miss "$2" "test image $1 not built: $(grep -v '^+' "$cache/$1.err" 2>/dev/null | tail -n 1)"
		return 1
	fi
	mkdir -p "$W/oci"
	cp -a "$cache/$1" "$W/oci/$1"
}

_rw_setup() {
	W=$CBOX_WORLD
	chmod 755 "$W"
	: >"$W/.cbox-world"
	: >"$W/env.tmp"
	: >"$W/missing"
	: >"$W/pids"
	printf '{"default": [{"type": "insecureAcceptAnything"}]}\n' >"$W/policy.json"
	: >"$W/registries.conf"
	echo '{}' >"$W/auth.json"
	_rw_set CBOX_WORLD "$W"
	for tool in openssl docker-registry curl python3; do
		if ! command -v $tool >/dev/null; then
			for c in reg auth busybox zstd v2s2 debian; do _rw_miss $c "$tool not installed"; done
			_rw_done
			return
		fi
	done
	if ! _rw_certs; then
		for c in reg auth busybox zstd v2s2 debian; do _rw_miss $c "openssl could not make the certificates"; done
		_rw_done
		return
	fi
	_rw_set REG_CA "$W/tls/ca.crt"
	_rw_set REG_CERTDIR "$W/certs"
	_rw_set REG_USER "$REG_USER"
	_rw_set REG_PASS "$REG_PASS"
	_rw_set REG_SERVICE "$REG_SERVICE"

	port=$(_rw_free_port)
	if ! _rw_registry reg "$port"; then
		for c in reg auth busybox zstd v2s2 debian; do _rw_miss $c "docker-registry did not start"; done
		_rw_done
		return
	fi
	REG=127.0.0.1:$port
	_rw_set REG "$REG"

	auth=1
	if ! python3 -c 'import cryptography' 2>/dev/null; then
		_rw_miss auth "python3-cryptography not installed"
		auth=0
	elif ! _rw_tokenserver; then
		_rw_miss auth "the token server did not start"
		auth=0
	else
		port=$(_rw_free_port)
		if _rw_registry auth "$port" "auth:
  token:
    realm: $REG_REALM
    service: $REG_SERVICE
    issuer: $REG_ISSUER
    rootcertbundle: $W/tls/signer.crt"; then
			REG_AUTH=127.0.0.1:$port
			_rw_set REG_AUTH "$REG_AUTH"
			_rw_set REG_REALM "$REG_REALM"
		else
			_rw_miss auth "docker-registry with token auth did not start"
			auth=0
		fi
	fi

	if ! command -v skopeo >/dev/null || ! command -v umoci >/dev/null; then
		for c in busybox zstd v2s2 debian; do _rw_miss $c "skopeo or umoci not installed"; done
		_rw_done
		return
	fi
	cd=--dest-cert-dir=$W/certs
	sd=--src-cert-dir=$W/certs

	# busybox: the multi-arch index, each platform by tag, then the variants.
	if _rw_image busybox busybox; then
		L=$W/oci/busybox
		if reg_skopeo copy --all "$cd" "oci:$L:latest" "docker://$REG/busybox:latest" &&
			reg_skopeo copy "$cd" "oci:$L:amd64" "docker://$REG/busybox:amd64" &&
			reg_skopeo copy "$cd" "oci:$L:arm64" "docker://$REG/busybox:arm64" &&
			reg_skopeo copy --all "$cd" "oci:$L:latest" "docker://$REG/library/alpine:latest"; then
			_rw_set BB_REF "$REG/busybox:latest"
			_rw_set BB_INDEX "$(_rw_layout_digest "$L" latest)"
			_rw_set BB_AMD64 "$(_rw_layout_digest "$L" amd64)"
			_rw_set BB_ARM64 "$(_rw_layout_digest "$L" arm64)"
			_rw_set BB_LAYOUT "$L"
			# The registry must give the same digests as the layout.
			[ "$(_rw_digest busybox latest)" = "$(_rw_layout_digest "$L" latest)" ] ||
				_rw_miss busybox "pushed index digest differs from the layout's"
			if reg_skopeo copy "$sd" "oci:$L:amd64" "docker-archive:$W/oci/busybox-amd64.tar:busybox:latest"; then
				_rw_set BB_ARCHIVE "$W/oci/busybox-amd64.tar"
			fi
		else
			_rw_miss busybox "skopeo copy to $REG failed"
		fi
		if reg_skopeo copy --all "$cd" "oci:$L:zstd" "docker://$REG/busybox:zstd"; then
			_rw_set BB_ZSTD "$(_rw_layout_digest "$L" zstd)"
			_rw_set BB_ZSTD_AMD64 "$(_rw_layout_digest "$L" zstd-amd64)"
			[ "$(_rw_digest busybox zstd)" = "$(_rw_layout_digest "$L" zstd)" ] ||
				_rw_miss zstd "pushed zstd index digest differs from the layout's"
		else
			_rw_miss zstd "skopeo copy of the zstd index failed"
		fi
		if reg_skopeo copy --all --format v2s2 "$cd" "oci:$L:latest" "docker://$REG/busybox:v2s2"; then
			_rw_set BB_V2S2 "$(_rw_digest busybox v2s2)"
			_rw_set BB_V2S2_AMD64 "$(_rw_platform_digest busybox v2s2 amd64)"
		else
			_rw_miss v2s2 "skopeo copy --format v2s2 failed"
		fi
		if [ $auth = 1 ]; then
			c="--dest-creds=$REG_USER:$REG_PASS"
			reg_skopeo copy --all "$cd" "$c" "oci:$L:latest" "docker://$REG_AUTH/busybox:latest" &&
				reg_skopeo copy --all "$cd" "$c" "oci:$L:latest" "docker://$REG_AUTH/private/busybox:latest" ||
				_rw_miss auth "skopeo copy with credentials to $REG_AUTH failed"
		fi
	else
		_rw_miss zstd "no busybox image"
		_rw_miss v2s2 "no busybox image"
	fi

	if _rw_image debian debian; then
		L=$W/oci/debian
		if reg_skopeo copy "$cd" "oci:$L:bookworm" "docker://$REG/debian:bookworm"; then
			_rw_set DEB_REF "$REG/debian:bookworm"
			_rw_set DEB_DIGEST "$(_rw_layout_digest "$L" bookworm)"
			_rw_set DEB_LAYOUT "$L"
		else
			_rw_miss debian "skopeo copy to $REG failed"
		fi
	fi
	_rw_done
}
