/* dirtree_int.h: output directories written under a temporary name and
 * swapped into place when complete (a tile directory; any tree of files):
 * a hard-linked copy of an older tree to patch, removing a tree, and
 * putting a finished tree where an older one stands so that a reader or a
 * crash never sees a half-written one. Never installed. */
#ifndef CIM_DIRTREE_INT_H
#define CIM_DIRTREE_INT_H

/* Removes the tree at path (files, directories, depth first); 0 when it is
 * gone or was not there. No error is set. */
int cim_dir_remove(const char *path);
/* Copies file from byte for byte to a new file to; -1 with errno set. */
int cim_file_copy(const char *from, const char *to);
/* Makes to (which must not exist) a copy of the tree from: directories made
 * anew, each file hard-linked, or copied where link() fails (another file
 * system, a file system without hard links). Whoever writes into to must
 * then replace a file (unlink, then create), never write through it: the
 * link shares the bytes with from. CIM_EIO with the path on failure. */
int cim_dir_link_tree(const char *from, const char *to);
/* Puts the finished tree tmp at dir and removes what dir held. Where the
 * file system can (Linux renameat2 RENAME_EXCHANGE) the two are swapped
 * atomically; elsewhere dir is moved aside, tmp renamed in and the older
 * tree put back if that fails. CIM_EIO on failure, dir as it was. */
int cim_dir_swap_in(const char *tmp, const char *dir);

#endif
