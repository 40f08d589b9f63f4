# shellcheck shell=bash
# cosign_key PROGRAM: sets `key` to the site's Chains verification key as cosign takes it for --key, or exits 2 naming
# what is wrong. Shared by verify-release.sh and publish-signatures.sh, which must accept exactly the same keys.
# Reads:
#   KEY_REF          the site's KMS key as cosign names it (awskms:///arn:…, gcpkms://projects/…, azurekms://…):
#                    cosign reads its public half with the pod's identity (sigstore/sigstore
#                    pkg/signature/kms/{aws,gcp,azure})
#   PUBLIC_KEY_FILE  instead of KEY_REF, a PEM public key (a local site: Chains signs with a key in a Secret)
cosign_key() {
  local program="$1"
  if [ -n "${KEY_REF:-}" ]; then
    if ! [[ "${KEY_REF}" =~ ^(awskms|gcpkms|azurekms):// ]]; then
      echo "${program}: KEY_REF '${KEY_REF}' is not an awskms://, gcpkms:// or azurekms:// key reference" >&2
      exit 2
    fi
    key="${KEY_REF}"
  elif [ -z "${PUBLIC_KEY_FILE:-}" ]; then
    echo "${program}: PUBLIC_KEY_FILE or KEY_REF is required" >&2
    exit 2
  elif ! grep -q -- '-----BEGIN PUBLIC KEY-----' "${PUBLIC_KEY_FILE}" 2>/dev/null; then
    echo "${program}: ${PUBLIC_KEY_FILE} holds no PEM public key (the site's Chains public key)" >&2
    exit 2
  else
    key="${PUBLIC_KEY_FILE}"
  fi
}
