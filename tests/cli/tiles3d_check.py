#!/usr/bin/env python3
"""tiles3d_check.py DIR EXPECTED.csv [ID_PROPERTY]: checks a 3D Tiles tileset written by
cim tiles3d, independently of cim's code path.

Structure: every tile's region lies inside its parent's; geometricError
decreases strictly with depth; every content file exists and every GLB in
DIR/t is referenced once. Containment: every vertex of every GLB, taken
through glTF's y-up -> z-up rotation and the tile's transform to ECEF, then
to longitude/latitude/height by PROJ's cs2cs (EPSG:4978 -> EPSG:4979), lies
inside its tile's region.

Buildings (EXPECTED.csv: id|area|height|lon|lat from SpatiaLite): per
feature id of the GLBs, looked up in the property table's ID_PROPERTY (building_id)
column, the roof area (triangles with an up normal), the height (roof minus
floor) and the ECEF roof centroid through cs2cs must match the footprint's
area, height and centroid (within 0.1 %, 1 cm, 1 m).

Prints "key value" lines for the shell test to compare."""
import json
import math
import os
import struct
import subprocess
import sys
from array import array


def read_glb(path):
    with open(path, 'rb') as f:
        data = f.read()
    magic, version, length = struct.unpack_from('<4sII', data, 0)
    assert magic == b'glTF' and version == 2 and length == len(data), path
    jlen, jtype = struct.unpack_from('<I4s', data, 12)
    assert jtype == b'JSON'
    doc = json.loads(data[20:20 + jlen])
    blen, btype = struct.unpack_from('<I4s', data, 20 + jlen)
    assert btype == b'BIN\x00'
    bin_ = data[28 + jlen:28 + jlen + blen]
    return doc, bin_


def accessor(doc, bin_, i):
    a = doc['accessors'][i]
    v = doc['bufferViews'][a['bufferView']]
    width = {'SCALAR': 1, 'VEC3': 3}[a['type']]
    code = {5126: 'f', 5125: 'I'}[a['componentType']]
    off = v.get('byteOffset', 0) + a.get('byteOffset', 0)
    arr = array(code)
    arr.frombytes(bin_[off:off + 4 * width * a['count']])
    return arr


def view_bytes(doc, bin_, i):
    v = doc['bufferViews'][i]
    off = v.get('byteOffset', 0)
    return bin_[off:off + v['byteLength']]


def strings(doc, bin_, table, name):
    p = table['properties'][name]
    vals = view_bytes(doc, bin_, p['values'])
    offs = array('I')
    offs.frombytes(view_bytes(doc, bin_, p['stringOffsets']))
    return [vals[offs[k]:offs[k + 1]].decode() for k in range(table['count'])]


def cs2cs(points):
    """ECEF points -> (lat, lon, h) by PROJ's command line tool."""
    text = ''.join('%.6f %.6f %.6f\n' % p for p in points)
    out = subprocess.run(['cs2cs', '-f', '%.12f', 'EPSG:4978', 'EPSG:4979'], input=text,
                         capture_output=True, text=True, check=True).stdout
    res = []
    for line in out.splitlines():
        f = line.split()
        res.append((float(f[0]), float(f[1]), float(f[2])))
    return res


def main():
    root_dir, expected_csv = sys.argv[1], sys.argv[2]
    id_name = sys.argv[3] if len(sys.argv) > 3 else 'building_id'
    ts = json.load(open(os.path.join(root_dir, 'tileset.json')))
    report = {'bad_nesting': 0, 'bad_error_order': 0, 'missing_content': 0, 'outside_region': 0,
              'vertices': 0, 'contents': 0}
    assert ts['asset']['version'] == '1.1'
    contents = []   # (uri, transform, region)
    depth_of = {}

    def inside(inner, outer):
        return (inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]
                and inner[4] >= outer[4] and inner[5] <= outer[5])

    def walk(tile, parent, depth=0):
        reg = tile['boundingVolume']['region']
        if parent is not None:
            if not inside(reg, parent['boundingVolume']['region']):
                report['bad_nesting'] += 1
            if not tile['geometricError'] < parent['geometricError']:
                report['bad_error_order'] += 1
        if 'content' in tile:
            contents.append((tile['content']['uri'], tile['transform'], reg))
            depth_of[tile['content']['uri']] = depth
        for c in tile.get('children', []):
            walk(c, tile, depth + 1)

    if not ts['geometricError'] >= ts['root']['geometricError']:
        report['bad_error_order'] += 1
    walk(ts['root'], None)
    files = set(os.listdir(os.path.join(root_dir, 't')))
    uris = [u for u, _, _ in contents]
    report['missing_content'] = sum(1 for u in uris if u[2:] not in files) + abs(len(files) - len(set(uris)))
    report['contents'] = len(contents)

    max_features = 0
    max_depth = max(depth_of.values()) if depth_of else 0
    ecef_all, owner = [], []   # every vertex in ECEF, and its content's region
    bld = {}                   # building id -> [area, (roof y sum, n), (floor y sum, n), [cx, cy, cz] area-weighted]
    for uri, m, reg in contents:
        doc, bin_ = read_glb(os.path.join(root_dir, uri))
        prim = doc['meshes'][0]['primitives'][0]
        pos = accessor(doc, bin_, prim['attributes']['POSITION'])
        nrm = accessor(doc, bin_, prim['attributes']['NORMAL'])
        fid = accessor(doc, bin_, prim['attributes']['_FEATURE_ID_0'])
        idx = accessor(doc, bin_, prim['indices'])
        meta = doc['extensions']['EXT_structural_metadata']
        table = meta['propertyTables'][prim['extensions']['EXT_mesh_features']['featureIds'][0]['propertyTable']]
        ids = strings(doc, bin_, table, id_name)
        max_features = max(max_features, table['count'])

        def to_ecef(x, y, z):
            # glTF y-up -> 3D Tiles z-up, then the column-major transform
            e, n, u = x, -z, y
            return (m[0] * e + m[4] * n + m[8] * u + m[12], m[1] * e + m[5] * n + m[9] * u + m[13],
                    m[2] * e + m[6] * n + m[10] * u + m[14])

        nv = len(pos) // 3
        for k in range(nv):
            ecef_all.append(to_ecef(pos[3 * k], pos[3 * k + 1], pos[3 * k + 2]))
            owner.append(reg)
            b = bld.setdefault(ids[int(fid[k])], [0.0, [0.0, 0], [0.0, 0], [0.0, 0.0, 0.0]])
            if nrm[3 * k + 1] > 0.99:
                b[1][0] += pos[3 * k + 1]
                b[1][1] += 1
            elif nrm[3 * k + 1] < -0.99:
                b[2][0] += pos[3 * k + 1]
                b[2][1] += 1
        for t in range(0, len(idx), 3):
            a, b_, c = idx[t], idx[t + 1], idx[t + 2]
            if nrm[3 * a + 1] < 0.99:
                continue
            ax, az, bx, bz, cx, cz = pos[3 * a], pos[3 * a + 2], pos[3 * b_], pos[3 * b_ + 2], pos[3 * c], pos[3 * c + 2]
            area = abs((bx - ax) * (cz - az) - (bz - az) * (cx - ax)) / 2
            rec = bld[ids[int(fid[a])]]
            rec[0] += area
            cen = to_ecef((ax + bx + cx) / 3, (pos[3 * a + 1] + pos[3 * b_ + 1] + pos[3 * c + 1]) / 3, (az + bz + cz) / 3)
            for i in range(3):
                rec[3][i] += area * cen[i]
    report['vertices'] = len(ecef_all)
    geo = cs2cs(ecef_all)
    for (lat, lon, h), reg in zip(geo, owner):
        lo, la = math.radians(lon), math.radians(lat)
        if not (reg[0] <= lo <= reg[2] and reg[1] <= la <= reg[3] and reg[4] <= h <= reg[5]):
            report['outside_region'] += 1

    ids = sorted(bld)
    cents = cs2cs([tuple(bld[i][3][k] / bld[i][0] for k in range(3)) if bld[i][0] > 0 else (0, 0, 0) for i in ids])
    expected = {}
    for line in open(expected_csv):
        f = line.strip().split('|')
        if len(f) == 5:
            expected[f[0]] = tuple(float(x) for x in f[1:])
    bad_area = bad_height = bad_pos = 0
    worst_pos = 0.0
    for i, (lat, lon, _) in zip(ids, cents):
        e = expected.get(i)
        if e is None:
            bad_pos += 1
            continue
        area, roof, floor = bld[i][0], bld[i][1], bld[i][2]
        if abs(area - e[0]) > 1e-3 * e[0] + 0.01:
            bad_area += 1
        if not roof[1] or not floor[1] or abs(roof[0] / roof[1] - floor[0] / floor[1] - e[1]) > 0.01:
            bad_height += 1
        dx = math.radians(lon - e[2]) * 6378137 * math.cos(math.radians(lat))
        dy = math.radians(lat - e[3]) * 6378137
        d = math.hypot(dx, dy)
        worst_pos = max(worst_pos, d)
        if d > 1.0:
            bad_pos += 1
    report.update({'buildings': len(ids), 'expected': len(expected), 'bad_area': bad_area,
                   'bad_height': bad_height, 'bad_position': bad_pos, 'worst_position_m': '%.6f' % worst_pos,
                   'max_features': max_features, 'max_depth': max_depth})
    for k, v in report.items():
        print(k, v)


main()
