/* secret.c - secrets by reference: env:NAME or file:/absolute/path.
 * A secret's value never appears in an error message. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/util.h"
#include "config/config.h"

#define SECRET_MAX 65536 /* bytes read from a secret file */

static int env_name_valid(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

int secret_ref_valid(const char *ref)
{
    if (!ref) return 0;
    if (strncmp(ref, "env:", 4) == 0) return env_name_valid(ref + 4);
    if (strncmp(ref, "file:", 5) == 0) return ref[5] == '/' && ref[6] != '\0';
    return 0;
}

static char *resolve_env(const char *name, char *err, size_t err_len)
{
    const char *v = getenv(name);
    if (!v) {
        snprintf(err, err_len, "environment variable %s is not set", name);
        return NULL;
    }
    if (!*v) {
        snprintf(err, err_len, "environment variable %s is empty", name);
        return NULL;
    }
    return xstrdup(v);
}

static char *resolve_file(const char *path, char *err, size_t err_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        snprintf(err, err_len, "cannot read secret file %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    const char *bad = NULL;
    if (fstat(fd, &st) != 0) bad = strerror(errno);
    else if (S_ISDIR(st.st_mode)) bad = "is a directory";
    else if (!S_ISREG(st.st_mode)) bad = "not a regular file";
    if (bad) {
        snprintf(err, err_len, "cannot read secret file %s: %s", path, bad);
        close(fd);
        return NULL;
    }
    char *buf = xmalloc(SECRET_MAX + 1);
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, SECRET_MAX + 1 - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            snprintf(err, err_len, "cannot read secret file %s: %s", path, strerror(errno));
            goto fail;
        }
        if (r == 0) break;
        n += (size_t)r;
        if (n > SECRET_MAX) {
            snprintf(err, err_len, "secret file %s is larger than %d bytes", path, SECRET_MAX);
            goto fail;
        }
    }
    close(fd);
    fd = -1;
    /* Cut one trailing newline ("\n" or "\r\n"). */
    if (n && buf[n - 1] == '\n') {
        n--;
        if (n && buf[n - 1] == '\r') n--;
    }
    buf[n] = '\0';
    if (n == 0) {
        snprintf(err, err_len, "secret file %s is empty", path);
        goto fail;
    }
    if (strlen(buf) != n) {
        snprintf(err, err_len, "secret file %s contains a NUL byte", path);
        goto fail;
    }
    char *out = xstrdup(buf);
    hub_wipe(buf, SECRET_MAX + 1);
    free(buf);
    return out;
fail:
    if (fd >= 0) close(fd);
    hub_wipe(buf, SECRET_MAX + 1);
    free(buf);
    return NULL;
}

char *secret_resolve(const char *ref, char *err, size_t err_len)
{
    if (err_len) err[0] = '\0';
    if (!ref || !*ref) {
        snprintf(err, err_len, "no secret reference given");
        return NULL;
    }
    if (!secret_ref_valid(ref)) {
        /* Do not quote it: a literal here is most likely the secret itself. */
        snprintf(err, err_len, "not a secret reference (expected env:NAME or file:/absolute/path)");
        return NULL;
    }
    if (ref[0] == 'e') return resolve_env(ref + 4, err, err_len);
    return resolve_file(ref + 5, err, err_len);
}
