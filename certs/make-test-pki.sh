#!/usr/bin/env bash
# Makes a throw-away PKI for tests and local trials of mutual-TLS connectors (OpenSSL CLI only).
#
#   certs/make-test-pki.sh OUTDIR
#
# Writes into OUTDIR (created when missing):
#   ca.crt ca.key                     test CA ("Sluis Test CA")
#   server.crt server.key             server certificate for localhost / 127.0.0.1 / ::1 (SAN),
#                                     signed by the test CA, extendedKeyUsage serverAuth
#   client.crt client.key             client certificate signed by the test CA, with an OIN-like
#                                     serialNumber in the subject (00000001234567890000),
#                                     extendedKeyUsage clientAuth
#   other-ca.crt other-ca.key         a second, unrelated CA ("Sluis Vreemde CA")
#   other-client.crt other-client.key client certificate from the other CA (wrong-certificate tests)
#   other-server.crt other-server.key server certificate for localhost from the other CA
#                                     (unknown-server tests)
#   wrong-name-server.crt/.key        server certificate from the test CA for elders.example only
#                                     (hostname-verification tests)
#
# Keys are EC P-256 (fast). Idempotent: when every file is present and the certificates still
# verify against their CA, nothing is changed; otherwise the whole set is made again. Nothing
# this script makes belongs in git: these keys are for tests only.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "gebruik: $0 UITVOERMAP" >&2
    exit 2
fi
out=$1
command -v openssl >/dev/null || { echo "openssl niet gevonden" >&2; exit 3; }
mkdir -p "$out"
cd "$out"

days=3650
oin=00000001234567890000
files=(ca.crt ca.key server.crt server.key client.crt client.key other-ca.crt other-ca.key
       other-client.crt other-client.key other-server.crt other-server.key
       wrong-name-server.crt wrong-name-server.key)

complete() {
    local f
    for f in "${files[@]}"; do [[ -s $f ]] || return 1; done
    openssl verify -CAfile ca.crt server.crt client.crt wrong-name-server.crt >/dev/null 2>&1 || return 1
    openssl verify -CAfile other-ca.crt other-client.crt other-server.crt >/dev/null 2>&1 || return 1
}

if complete; then
    exit 0
fi

# Work in a private temp dir inside OUTDIR and move the finished set in, so a concurrent reader
# never sees a half-made set.
work=$(mktemp -d ".pki-XXXXXX")
trap 'rm -rf "$work"' EXIT
umask 077

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

make_ca() {  # name subject
    newkey "$work/$1.key"
    openssl req -x509 -new -key "$work/$1.key" -sha256 -days "$days" -subj "$2" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" \
        -out "$work/$1.crt" 2>/dev/null
}

make_leaf() {  # name ca subject extfile-content
    newkey "$work/$1.key"
    openssl req -new -key "$work/$1.key" -subj "$3" -out "$work/$1.csr" 2>/dev/null
    printf '%s\n' "$4" >"$work/$1.ext"
    openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.crt" -CAkey "$work/$2.key" \
        -CAcreateserial -sha256 -days "$days" -extfile "$work/$1.ext" \
        -out "$work/$1.crt" 2>/dev/null
    rm -f "$work/$1.csr" "$work/$1.ext"
}

server_ext='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'
client_ext='basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=clientAuth'

make_ca ca "/C=NL/O=Sluis Test/CN=Sluis Test CA"
make_leaf server ca "/C=NL/O=Sluis Test/CN=localhost" "$server_ext"
make_leaf client ca "/C=NL/O=Sluis Test School/serialNumber=$oin/CN=sluis-test-client" "$client_ext"
make_leaf wrong-name-server ca "/C=NL/O=Sluis Test/CN=elders.example" \
    "${server_ext//DNS:localhost,IP:127.0.0.1,IP:::1/DNS:elders.example}"
make_ca other-ca "/C=NL/O=Elders/CN=Sluis Vreemde CA"
make_leaf other-client other-ca "/C=NL/O=Elders/serialNumber=00000009999999990000/CN=vreemde-client" \
    "$client_ext"
make_leaf other-server other-ca "/C=NL/O=Elders/CN=localhost" "$server_ext"
rm -f "$work"/*.srl

chmod 644 "$work"/*.crt
chmod 600 "$work"/*.key
for f in "${files[@]}"; do mv -f "$work/$f" "$f"; done
complete || { echo "testcertificaten kloppen niet na aanmaken" >&2; exit 1; }
