#!/usr/bin/env python3
"""test_report_validate.py: a small JSON Schema validator (the keywords
doc/report.schema.json uses: type, const, enum, required, properties,
additionalProperties, items, minItems, minimum, pattern) plus the checks
that the three report forms carry the same cells: the CSV (UTF-8 with BOM)
equals the JSON's first table, and so does the first HTML table.
  test_report_validate.py SCHEMA REPORT.json [REPORT.csv [REPORT.html]]
Prints the problems and exits 1 when there are any."""
import csv
import html.parser
import json
import re
import sys

TYPES = {'object': dict, 'array': list, 'string': str, 'boolean': bool, 'null': type(None)}


def is_type(v, t):
    if t == 'integer':
        return isinstance(v, int) and not isinstance(v, bool)
    if t == 'number':
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    return isinstance(v, TYPES[t])


def validate(v, s, path, errs):
    if 'const' in s and v != s['const']:
        errs.append('%s: %r is not %r' % (path, v, s['const']))
    if 'enum' in s and v not in s['enum']:
        errs.append('%s: %r not in %r' % (path, v, s['enum']))
    if 'type' in s:
        ts = s['type'] if isinstance(s['type'], list) else [s['type']]
        if not any(is_type(v, t) for t in ts):
            errs.append('%s: %r is not of type %s' % (path, v, ts))
            return
    if isinstance(v, dict):
        for k in s.get('required', []):
            if k not in v:
                errs.append('%s: lacks %s' % (path, k))
        props = s.get('properties', {})
        for k, x in v.items():
            if k in props:
                validate(x, props[k], path + '.' + k, errs)
            elif s.get('additionalProperties') is False:
                errs.append('%s: unexpected %s' % (path, k))
    if isinstance(v, list):
        if len(v) < s.get('minItems', 0):
            errs.append('%s: fewer than %d items' % (path, s['minItems']))
        if 'items' in s:
            for i, x in enumerate(v):
                validate(x, s['items'], '%s[%d]' % (path, i), errs)
    if isinstance(v, str) and 'pattern' in s and not re.search(s['pattern'], v):
        errs.append('%s: %r does not match %s' % (path, v, s['pattern']))
    if is_type(v, 'number') and 'minimum' in s and v < s['minimum']:
        errs.append('%s: %r < %r' % (path, v, s['minimum']))


class FirstTable(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.row, self.cell, self.tables, self.intable = [], None, None, 0, False

    def handle_starttag(self, tag, attrs):
        if tag == 'table':
            self.tables += 1
            self.intable = self.tables == 1
        elif self.intable and tag == 'tr':
            self.row = []
        elif self.intable and tag in ('td', 'th'):
            self.cell = ''

    def handle_endtag(self, tag):
        if tag == 'table':
            self.intable = False
        elif self.intable and tag in ('td', 'th') and self.row is not None:
            self.row.append(self.cell)
            self.cell = None
        elif self.intable and tag == 'tr':
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def text(v):
    """a JSON cell as the CSV/HTML text"""
    if v is None:
        return ''
    if isinstance(v, float):
        return repr(v)
    return str(v)


def same_number(a, b):
    try:
        return a == b or float(a) == float(b)
    except ValueError:
        return False


def main():
    errs = []
    schema = json.load(open(sys.argv[1]))
    doc = json.load(open(sys.argv[2]))
    validate(doc, schema, '$', errs)
    t = doc['tables'][0]
    want = [[c['name'] for c in t['columns']]] + [[text(x) for x in r] for r in t['rows']]
    forms = []
    if len(sys.argv) > 3:
        raw = open(sys.argv[3], 'rb').read()
        if not raw.startswith(b'\xef\xbb\xbf'):
            errs.append('csv: no UTF-8 byte-order mark')
        forms.append(('csv', list(csv.reader(raw.decode('utf-8-sig').splitlines()))))
    if len(sys.argv) > 4:
        p = FirstTable()
        p.feed(open(sys.argv[4], encoding='utf-8').read())
        forms.append(('html', p.rows[:len(want)]))
    for name, rows in forms:
        if len(rows) != len(want):
            errs.append('%s: %d rows, json %d' % (name, len(rows), len(want)))
        for i, (a, b) in enumerate(zip(rows, want)):
            if len(a) != len(b) or not all(x == y or same_number(x, y) for x, y in zip(a, b)):
                errs.append('%s row %d: %r, json %r' % (name, i, a, b))
                break
    for e in errs[:20]:
        print(e)
    sys.exit(1 if errs else 0)


main()
