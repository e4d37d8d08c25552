/* test_dirtree.c: output trees (dirtree_int.h) against what stat(2) and the
 * bytes on disk say: a link tree on one file system shares every file's
 * inode with its source; across file systems (/dev/shm, a tmpfs, to
 * $TMPDIR or /tmp when that is another file system) link() fails with
 * EXDEV and the files are copies with equal bytes; replacing a file in the
 * new tree leaves the source's bytes; swapping a finished tree in replaces
 * an older one whole and removes it, or puts it in place when there is none. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dirtree_int.h"

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *get(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t k = f ? fread(buf, 1, n - 1, f) : 0;
    buf[k] = '\0';
    if (f)
        fclose(f);
    return buf;
}

static ino_t inode(const char *path)
{
    struct stat st;
    return stat(path, &st) ? 0 : st.st_ino;
}

static dev_t device(const char *path)
{
    struct stat st;
    return stat(path, &st) ? 0 : st.st_dev;
}

/* a small tileset: 1/0/0.pbf, 1/1/0.pbf, metadata.json */
static void make_tree(const char *root)
{
    char p[512];
    mkdir(root, 0777);
    snprintf(p, sizeof p, "%s/1", root);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/1/0", root);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/1/1", root);
    mkdir(p, 0777);
    snprintf(p, sizeof p, "%s/1/0/0.pbf", root);
    put(p, "tile a");
    snprintf(p, sizeof p, "%s/1/1/0.pbf", root);
    put(p, "tile b");
    snprintf(p, sizeof p, "%s/metadata.json", root);
    put(p, "{\"cim_run\":1}");
}

int main(void)
{
    const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char base[256], a[300], b[300], c[300], p[512], q[512], buf[64];
    snprintf(base, sizeof base, "%s/cim-dirtree-XXXXXX", tmp);
    if (!mkdtemp(base)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/a.tmp", base);
    make_tree(a);

    /* one file system: links */
    CHECK(cim_dir_link_tree(a, b) == 0);
    snprintf(p, sizeof p, "%s/1/0/0.pbf", a);
    snprintf(q, sizeof q, "%s/1/0/0.pbf", b);
    CHECK(inode(p) != 0 && inode(p) == inode(q));
    CHECK_STR(get(q, buf, sizeof buf), "tile a");
    CHECK(cim_dir_link_tree(a, b) != 0); /* the target must not exist */
    /* a tile replaced in the new tree: a new file, the old bytes stay */
    CHECK(unlink(q) == 0);
    put(q, "tile a2");
    CHECK_STR(get(p, buf, sizeof buf), "tile a");
    CHECK(inode(p) != inode(q));

    /* swapped in: a holds the new tree, the older one is gone */
    snprintf(p, sizeof p, "%s/1/1/0.pbf", a);
    ino_t kept = inode(p);
    CHECK(cim_dir_swap_in(b, a) == 0);
    snprintf(q, sizeof q, "%s/1/0/0.pbf", a);
    CHECK_STR(get(q, buf, sizeof buf), "tile a2");
    CHECK(inode(p) == kept);
    CHECK(access(b, F_OK) != 0);
    /* no older tree: renamed into place */
    snprintf(c, sizeof c, "%s/c", base);
    CHECK(cim_dir_link_tree(a, b) == 0);
    CHECK(cim_dir_swap_in(b, c) == 0);
    snprintf(q, sizeof q, "%s/metadata.json", c);
    CHECK_STR(get(q, buf, sizeof buf), "{\"cim_run\":1}");
    CHECK(access(b, F_OK) != 0);

    /* another file system: copies */
    char shm[64] = "/dev/shm/cim-dirtree-XXXXXX";
    if (access("/dev/shm", W_OK) == 0 && mkdtemp(shm) && device(shm) != device(base)) {
        char s[128];
        snprintf(s, sizeof s, "%s/t", shm);
        make_tree(s);
        CHECK(cim_dir_link_tree(s, b) == 0);
        snprintf(p, sizeof p, "%s/1/1/0.pbf", s);
        snprintf(q, sizeof q, "%s/1/1/0.pbf", b);
        CHECK_STR(get(q, buf, sizeof buf), "tile b");
        CHECK(device(p) != device(q));
        CHECK(cim_dir_remove(shm) == 0);
        CHECK(access(shm, F_OK) != 0);
    } else
        printf("no second file system at /dev/shm: the copy fallback is not tested\n");

    CHECK(cim_dir_remove(base) == 0);
    CHECK(access(base, F_OK) != 0);
    CHECK(cim_dir_remove(base) == 0); /* gone already: fine */
    return check_report();
}
