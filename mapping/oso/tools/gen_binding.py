#!/usr/bin/env python3
"""Binds the OSO element tree (structure.json) to the canonical model.

Reads data/<version>/structure.json and data/<version>/binding_rules.json, and
  * writes data/<version>/binding.json: the OSO tree annotated with canonical keys, the place
    (root, root group or parent object) each element lands in, list-wrapper collapsing and the
    JSON kind of every value. The C++ reader and writer walk only this file.
  * with --update-model MODEL: adds (additively) the canonical types and fields the binding needs
    to core/model/canonical_model.json. Existing fields are reused only when their kind matches;
    a clash is an error that must be resolved with a rename in binding_rules.json.

usage: gen_binding.py DATA_DIR [--update-model core/model/canonical_model.json]
"""
import collections
import json
import sys

XS_KIND = {'xs:string': 'string', 'xs:date': 'date', 'xs:boolean': 'bool', 'xs:integer': 'int',
           'xs:int': 'int', 'xs:decimal': 'string', 'xs:empty': 'string', 'xs:anyType': 'string'}


def pascal(s):
    return ''.join(p[:1].upper() + p[1:] for p in s.replace('-', '_').split('_'))


def format_model(m):
    """Writes the model in its hand-written layout: one line per code list and per field."""
    d = lambda v: json.dumps(v, ensure_ascii=False)
    out = ['{']
    top = []
    for k, v in m.items():
        if k in ('codelists', 'retired'):
            lines = ['    %s: %s' % (d(n), d(l)) for n, l in v.items()]
            top.append('  %s: {\n' % d(k) + ',\n'.join(lines) + '\n  }')
        elif k == 'types':
            ts = []
            for n, t in v.items():
                parts = []
                for tk, tv in t.items():
                    if tk == 'fields':
                        fl = ['        ' + d(f) for f in tv]
                        parts.append('      "fields": [\n' + ',\n'.join(fl) + '\n      ]')
                    else:
                        parts.append('      %s: %s' % (d(tk), d(tv)))
                ts.append('    %s: {\n' % d(n) + ',\n'.join(parts) + '\n    }')
            top.append('  "types": {\n' + ',\n'.join(ts) + '\n  }')
        else:
            top.append('  %s: %s' % (d(k), d(v)))
    return '{\n' + ',\n'.join(top) + '\n}\n'


def main(data_dir, model_path=None):
    structure = json.load(open(data_dir + '/structure.json'))
    rules = json.load(open(data_dir + '/binding_rules.json'))
    model = json.load(open(model_path), object_pairs_hook=collections.OrderedDict) if model_path else None
    types = model['types'] if model else {}
    renames_path = rules['rename_path']
    renames_name = rules['rename_name']
    type_by_name = rules['type_by_name']
    place = rules['place']
    wrap = set(rules.get('scalar_as_array', []))
    new_types = collections.OrderedDict()
    errors = []

    def field_of(tname, key):
        t = types.get(tname) or new_types.get(tname)
        if t is None:
            return None
        for f in t['fields']:
            if f['name'] == key:
                return f
        return None

    def add_field(tname, fdef, path):
        t = types.get(tname) or new_types.get(tname)
        existing = field_of(tname, fdef['name'])
        fdef.update(rules.get('field_extra', {}).get(tname + '.' + fdef['name'], {}))
        if existing is None:
            t['fields'].append(fdef)
            return fdef
        for k in ('kind', 'type', 'item'):
            a = existing.get(k, 'string' if k == 'item' and existing['kind'] == 'array' and 'type' not in existing else None)
            b = fdef.get(k, 'string' if k == 'item' and fdef['kind'] == 'array' and 'type' not in fdef else None)
            if k == 'item' and existing['kind'] != 'array':
                continue
            if a != b and not (k == 'kind' and {a, b} <= {'string', 'text'}) and not (
                    k == 'kind' and b in ('string', 'int') and a in ('code', 'bsn', 'base64')) and not (
                    k == 'item' and b == 'string' and a == 'code'):
                errors.append('%s: %s.%s clashes (%s %s vs %s)' % (path, tname, fdef['name'], k, a, b))
        return existing

    def ensure_type(tname, desc):
        if tname in types or tname in new_types:
            return
        new_types[tname] = collections.OrderedDict(
            [('description', desc), ('fields', [])])

    def type_for(node, path):
        name = node['name']
        return type_by_name.get(path) or type_by_name.get(name) or 'Oso' + pascal(name)

    def bind(node, path, ctype, group_types):
        """Annotates node (already given its key) with child bindings; ctype is its canonical type."""
        out_children = []
        for c in node.get('children', []):
            cpath = path + '/' + c['name']
            out_children.append(bind_child(c, cpath, ctype, group_types))
        return out_children

    def scalar_kind(node):
        return XS_KIND[node.get('type', 'xs:string')]

    def bind_child(c, cpath, parent_type, group_types):
        b = collections.OrderedDict()
        b['name'] = c['name']
        b['min'] = c['min']
        b['max'] = c['max']
        if 'choice' in c:
            b['choice'] = c['choice']
        key = renames_path.get(cpath) or renames_name.get(c['name']) or c['name']
        target_type = parent_type
        target = place.get(cpath)
        if target is not None:
            b['place'] = target['at']
            target_type = target['type']
            group_types.setdefault(target['at'], target_type)
        repeated = c['max'] != 1
        kids = c.get('children', [])
        collapse = (not repeated and len(kids) == 1 and kids[0]['max'] != 1 and
                    not c.get('attributes'))
        if collapse:
            item = kids[0]
            b['collapse'] = True
            key = renames_path.get(cpath) or renames_name.get(c['name']) or item['name']
            b['key'] = key
            ib = collections.OrderedDict([('name', item['name']), ('min', item['min']),
                                          ('max', item['max'])])
            if 'children' in item:
                t = type_for(item, cpath + '/' + item['name'])
                ensure_type(t, 'OSO ' + item['name'])
                add_field(target_type, {'name': key, 'kind': 'array', 'type': t}, cpath)
                ib['type'] = t
                ib['children'] = bind(item, cpath + '/' + item['name'], t, group_types)
            else:
                k = scalar_kind(item)
                add_field(target_type, {'name': key, 'kind': 'array', 'item': k}, cpath)
                ib['kind'] = k
            b['item'] = ib
            return b
        b['key'] = key
        if 'children' in c:
            t = type_for(c, cpath)
            ensure_type(t, 'OSO ' + c['name'])
            add_field(target_type, {'name': key, 'kind': 'array' if repeated else 'object', 'type': t}, cpath)
            b['type'] = t
            b['children'] = bind(c, cpath, t, group_types)
            return b
        k = scalar_kind(c)
        b['kind'] = k
        attrs = c.get('attributes', [])
        if repeated and attrs:
            t = 'Oso' + pascal(c['name'])
            ensure_type(t, 'OSO ' + c['name'] + ' with attributes')
            add_field(t, {'name': 'waarde', 'kind': k}, cpath)
            b['type'] = t
            b['attributes'] = []
            for a in attrs:
                add_field(t, {'name': a['name'], 'kind': 'string'}, cpath)
                b['attributes'].append({'name': a['name'], 'key': a['name']})
            add_field(target_type, {'name': key, 'kind': 'array', 'type': t}, cpath)
            return b
        if repeated:
            add_field(target_type, {'name': key, 'kind': 'array', 'item': k}, cpath)
        elif cpath in wrap:
            b['wrap'] = True
            add_field(target_type, {'name': key, 'kind': 'array', 'item': k}, cpath)
        else:
            f = add_field(target_type, {'name': key, 'kind': k}, cpath)
            if f['kind'] in ('int', 'bool'):
                b['kind'] = f['kind']
            else:
                b['kind'] = 'string'
        if attrs:
            b['attributes'] = []
            for a in attrs:
                akey = key + a['name']
                add_field(target_type, {'name': akey, 'kind': 'string'}, cpath + '/@' + a['name'])
                b['attributes'].append({'name': a['name'], 'key': akey})
        return b

    root = structure['root']
    group_types = {}
    rtype = rules['root_type']
    tree = collections.OrderedDict([('name', root['name']), ('min', 1), ('max', 1),
                                    ('type', rtype)])
    tree['children'] = bind(root, root['name'], rtype, group_types)
    for at, t in group_types.items():
        if '.' in at:
            parent, key = at.rsplit('.', 1)
            ptype = rtype if parent == 'root' else group_types[parent]
            ensure_type(t, 'group')
            add_field(ptype, {'name': key, 'kind': 'object', 'type': t}, at)
    if errors:
        sys.stderr.write('\n'.join(errors) + '\n')
        sys.exit(1)
    out = collections.OrderedDict([('version', rules['version']),
                                   ('namespace', structure['namespace']),
                                   ('groups', group_types), ('root', tree)])
    json.dump(out, open(data_dir + '/binding.json', 'w'), indent=1, ensure_ascii=False)
    if model is not None:
        for k, v in new_types.items():
            types[k] = v
        with open(model_path, 'w') as f:
            f.write(format_model(model))
    sys.stderr.write('new types: %d\n' % len(new_types))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == '--update-model' else None)
