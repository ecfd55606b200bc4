#!/bin/sh
# tests/lib/certs.sh DIR - a throwaway PKI for the TLS tests, fresh per run:
#   ca.crt/ca.key        test CA (RSA 2048)
#   server.crt/.key      EC P-256 server cert from ca: IP:127.0.0.1, DNS:localhost, DNS:registry.test
#   wrong.crt/.key       server cert from ca for other names only (hostname mismatch)
#   other-ca.crt         an unrelated CA (EC P-384): trusting only it must fail
set -eu
d=$1
mkdir -p "$d"
cd "$d"
q() { "$@" >/dev/null 2>&1 || { echo "certs.sh: $* failed" >&2; exit 1; }; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=cbox-test-ca \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout other-ca.key -out other-ca.crt \
	-days 2 -subj /CN=cbox-other-ca -addext basicConstraints=critical,CA:TRUE
leaf() { # NAME SAN
	q openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1"
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$2" >"$1.ext"
	q openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 2 -extfile "$1.ext"
}
leaf server "IP:127.0.0.1,DNS:localhost,DNS:registry.test"
leaf wrong "DNS:wrong.test,IP:10.9.9.9"
