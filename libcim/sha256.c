/* sha256.c: source fingerprints with libcrypto's SHA-256 (it uses the CPU's
 * SHA extensions, so hashing a 60 MB source costs a few hundredths of a second). */
#include "sha256_int.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error_int.h"

#define HASH_CHUNK (1 << 20)

static int hash_file(EVP_MD_CTX *ctx, const char *path, unsigned char *buf)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "source '%s': %s", path, strerror(errno));
    ssize_t n;
    while ((n = read(fd, buf, HASH_CHUNK)) > 0)
        EVP_DigestUpdate(ctx, buf, (size_t)n);
    int err = n < 0 ? errno : 0;
    close(fd);
    if (err)
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "source '%s': %s", path, strerror(err));
    return CIM_OK;
}

int cim_sha256_files(char out[65], char *const *files, size_t n)
{
    unsigned char *buf = malloc(HASH_CHUNK);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!buf || !ctx) {
        free(buf);
        EVP_MD_CTX_free(ctx);
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    }
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    int rc = CIM_OK;
    for (size_t i = 0; i < n && !rc; i++)
        rc = hash_file(ctx, files[i], buf);
    unsigned char md[32];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    free(buf);
    for (unsigned int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return rc;
}
