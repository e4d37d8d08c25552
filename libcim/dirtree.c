/* dirtree.c: temporary output trees swapped into place (dirtree_int.h). */
#define _GNU_SOURCE /* renameat2, nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirtree_int.h"
#include "error_int.h"

static int io_error(const char *what, const char *path)
{
    return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "%s '%s': %s", what, path, strerror(errno));
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path) ? -1 : 0;
}

int cim_dir_remove(const char *path)
{
    struct stat st;
    if (lstat(path, &st))
        return 0;
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) ? -1 : 0;
}

int cim_file_copy(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    char buf[1 << 16];
    size_t n;
    int rc = in && out ? 0 : -1;
    while (!rc && (n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            rc = -1;
    if (in && ferror(in))
        rc = -1;
    if (in)
        fclose(in);
    if (out && fclose(out))
        rc = -1;
    return rc;
}

/* from/name into a malloc'd string */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int cim_dir_link_tree(const char *from, const char *to)
{
    DIR *d = opendir(from);
    if (!d)
        return io_error("cannot read the directory", from);
    if (mkdir(to, 0777)) {
        int rc = io_error("cannot create", to);
        closedir(d);
        return rc;
    }
    int rc = 0;
    struct dirent *e;
    while (!rc && (errno = 0, e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *a = join(from, e->d_name), *b = join(to, e->d_name);
        struct stat st;
        if (!a || !b)
            rc = cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
        else if (lstat(a, &st))
            rc = io_error("cannot read", a);
        else if (S_ISDIR(st.st_mode))
            rc = cim_dir_link_tree(a, b);
        /* a link is as cheap as a directory entry; a copy where there is none */
        else if (link(a, b) && cim_file_copy(a, b))
            rc = io_error("cannot copy", a);
        free(a);
        free(b);
    }
    if (!rc && errno)
        rc = io_error("cannot read the directory", from);
    closedir(d);
    return rc;
}

int cim_dir_swap_in(const char *tmp, const char *dir)
{
    if (!renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE)) {
        /* tmp now names the older tree */
        cim_dir_remove(tmp);
        return 0;
    }
    if (errno == ENOENT) /* no older tree */
        return rename(tmp, dir) ? io_error("cannot rename the finished output to", dir) : 0;
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return io_error("cannot rename the finished output to", dir);
    /* no atomic exchange here: move the older tree aside, put it back on failure */
    size_t n = strlen(dir) + 48;
    char *old = malloc(n);
    if (!old)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    snprintf(old, n, "%s.old-%ld", dir, (long)getpid());
    cim_dir_remove(old);
    int rc = 0;
    if (rename(dir, old))
        rc = io_error("cannot move the older output aside", dir);
    else if (rename(tmp, dir)) {
        rc = io_error("cannot rename the finished output to", dir);
        rename(old, dir);
    } else
        cim_dir_remove(old);
    free(old);
    return rc;
}
