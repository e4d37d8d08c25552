/* tiles3d_out.c: the tileset's output directory. Everything is written into
 * "<dir>.tmp-<pid>" and swapped in for dir at the end (dirtree.c), so a
 * failed or interrupted build leaves no half-written tileset: an older
 * tileset at dir stays until the new one is complete. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirtree_int.h"
#include "error_int.h"
#include "tiles3d_int.h"

static int io_error(const char *what, const char *path)
{
    return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "%s '%s': %s", what, path, strerror(errno));
}

static char *with_suffix(const char *dir, const char *what)
{
    size_t n = strlen(dir) + 48;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.%s-%ld", dir, what, (long)getpid());
    return p;
}

int t3_out_open(t3_out *o, const char *dir)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    if (!stat(dir, &st) && !S_ISDIR(st.st_mode))
        return cim_error_set(CIM_EIO, CIM_ERRCLASS_IO, "'%s' exists and is not a directory", dir);
    o->dir = strdup(dir);
    o->tmp = with_suffix(dir, "tmp");
    if (!o->dir || !o->tmp)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    cim_dir_remove(o->tmp); /* a leftover of a crashed run with our pid */
    if (mkdir(o->tmp, 0777))
        return io_error("cannot create the output directory", o->tmp);
    size_t n = strlen(o->tmp) + 4;
    char *t = malloc(n);
    if (!t)
        return cim_error_set(CIM_EINTERNAL, CIM_ERRCLASS_INTERNAL, "out of memory");
    snprintf(t, n, "%s/t", o->tmp);
    int rc = mkdir(t, 0777) ? io_error("cannot create", t) : 0;
    free(t);
    return rc;
}

int t3_out_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return io_error("cannot write", path);
    int bad = fwrite(data, 1, len, f) != len;
    bad |= fclose(f) != 0;
    return bad ? io_error("cannot write", path) : 0;
}

int t3_out_finish(t3_out *o)
{
    int rc = cim_dir_swap_in(o->tmp, o->dir);
    o->done = rc == 0;
    return rc;
}

void t3_out_clear(t3_out *o)
{
    if (o->tmp && !o->done)
        cim_dir_remove(o->tmp);
    free(o->dir);
    free(o->tmp);
    memset(o, 0, sizeof *o);
}
