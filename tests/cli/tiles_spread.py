# tiles_spread.py LIMITED.mbtiles FULL.mbtiles ZOOM NODE_READER WORKDIR
# For every tile of ZOOM where the limited build has fewer points than the
# full one (no limits), both decoded by @mapbox/vector-tile: one line
#   x y kept full cells missing sparse_kept dense_kept
# cells: 64x64-unit cells holding a point in the full tile; missing: those
# with no kept point within 8 units (a coarser grid may move a point that
# far); sparse/dense_kept: the fractions kept of the spread-out points
# (attribute n % 10 == 0) and of the clustered ones.
import gzip, json, sqlite3, subprocess, sys

lim, full, z, reader, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]


def tiles(path):
    db = sqlite3.connect(path)
    return {(c, r): d for c, r, d in db.execute(
        "SELECT tile_column, tile_row, tile_data FROM tiles WHERE zoom_level = ?", (z,))}


def decode(data):
    f = '%s/spread.pbf' % work
    with open(f, 'wb') as o:
        o.write(gzip.decompress(data))
    out = subprocess.run(['node', reader, 'points', f, 'pts', 'n'], capture_output=True, check=True)
    return json.loads(out.stdout)


a, b = tiles(lim), tiles(full)
for (x, tr), data in sorted(b.items()):
    fb = decode(data)
    fa = decode(a[(x, tr)]) if (x, tr) in a else []
    if len(fa) == len(fb):
        continue
    cells = {(p[0] // 64, p[1] // 64) for p in fb}
    grid = {}
    for p in fa:
        grid.setdefault((p[0] // 64, p[1] // 64), []).append(p)

    def covered(c):
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for p in grid.get((c[0] + dx, c[1] + dy), ()):
                    if c[0] * 64 - 8 <= p[0] < c[0] * 64 + 72 and c[1] * 64 - 8 <= p[1] < c[1] * 64 + 72:
                        return True
        return False

    missing = sum(1 for c in cells if not covered(c))
    sb = sum(1 for p in fb if p[2] % 10 == 0)
    sa = sum(1 for p in fa if p[2] % 10 == 0)
    print(x, (1 << z) - 1 - tr, len(fa), len(fb), len(cells), missing,
          '%.3f' % (sa / sb if sb else 1), '%.3f' % ((len(fa) - sa) / (len(fb) - sb) if len(fb) > sb else 1))
