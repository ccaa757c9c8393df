/* sim_sha256.h - SHA-256 (FIPS 180-4), to fingerprint scenario files in result manifests. */
#ifndef SIM_SHA256_H
#define SIM_SHA256_H

#include <stddef.h>

/* Writes the 64-character lowercase hex digest of data[0..n) and a NUL to hex. */
void sim_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
