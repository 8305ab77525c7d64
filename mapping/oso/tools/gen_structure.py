#!/usr/bin/env python3
"""Derives the OSO element tree (order, cardinality, simple types, attributes) from the official
XSD. The output (data/<version>/structure.json) is the data the writer and reader walk; adding a
standard version means running this on its XSD and adding mapping/code-list data.

usage: gen_structure.py OSO_gegevensset.xsd > structure.json
"""
import json
import sys
import xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'


def main(path):
    root = ET.parse(path).getroot()
    elements = {e.get('name'): e for e in root.findall(XS + 'element')}
    ctypes = {e.get('name'): e for e in root.findall(XS + 'complexType')}
    stypes = {e.get('name'): e for e in root.findall(XS + 'simpleType')}

    def simple_base(tname):
        """Follows a simple type to its xs: base; returns (base, facets)."""
        facets = {}
        while tname and not tname.startswith('xs:'):
            st = stypes.get(tname)
            if st is None:
                raise SystemExit('unknown simple type ' + tname)
            r = st.find(XS + 'restriction')
            for f in r:
                tag = f.tag.replace(XS, '')
                if tag == 'enumeration':
                    facets.setdefault('enum', []).append(f.get('value'))
                elif tag != 'annotation':
                    facets.setdefault(tag, f.get('value'))
            tname = r.get('base')
        return tname, facets

    def inline_simple(st):
        r = st.find(XS + 'restriction')
        base, facets = simple_base(r.get('base'))
        for f in r:
            tag = f.tag.replace(XS, '')
            if tag == 'enumeration':
                facets.setdefault('enum', []).append(f.get('value'))
            elif tag != 'annotation':
                facets[tag] = f.get('value')
        return base, facets

    def particles(node, out, in_choice=False):
        for c in node:
            tag = c.tag.replace(XS, '')
            if tag == 'element':
                out.append(build_element(c, in_choice))
            elif tag in ('sequence',):
                particles(c, out, in_choice)
            elif tag == 'choice':
                sub = []
                particles(c, sub, True)
                cid = 'choice%d' % len(out)
                for s in sub:
                    s['choice'] = cid
                    if c.get('minOccurs') == '0':
                        s['min'] = 0
                out.extend(sub)
            elif tag == 'group':
                raise SystemExit('xs:group not supported')

    def complex_content(ct, node):
        attrs = []
        children = []
        for c in ct:
            tag = c.tag.replace(XS, '')
            if tag in ('sequence', 'choice'):
                particles(ct, children)
                break
        cc = ct.find(XS + 'complexContent')
        if cc is not None:
            ext = cc.find(XS + 'extension')
            base = ctypes[ext.get('base')]
            bnode = {}
            complex_content(base, bnode)
            children = bnode.get('children', []) + children
            particles(ext, children)
        sc = ct.find(XS + 'simpleContent')
        if sc is not None:
            ext = sc.find(XS + 'extension')
            b, facets = simple_base(ext.get('base'))
            node['type'] = b
            if facets:
                node['facets'] = facets
            for a in ext.findall(XS + 'attribute'):
                ab, af = simple_base(a.get('type'))
                attrs.append({'name': a.get('name'), 'type': ab,
                              'required': a.get('use') == 'required'})
        for a in ct.findall(XS + 'attribute'):
            attrs.append({'name': a.get('name'), 'type': simple_base(a.get('type'))[0],
                          'required': a.get('use') == 'required'})
        if children:
            node['children'] = children
        if attrs:
            node['attributes'] = attrs

    def build_element(e, in_choice=False):
        mn = int(e.get('minOccurs', '1'))
        mx = e.get('maxOccurs', '1')
        mx = -1 if mx == 'unbounded' else int(mx)
        if e.get('ref'):
            decl = elements[e.get('ref')]
        else:
            decl = e
        node = {'name': decl.get('name'), 'min': mn, 'max': mx}
        t = decl.get('type')
        if t:
            if t in ctypes:
                complex_content(ctypes[t], node)
            else:
                b, facets = simple_base(t)
                node['type'] = b
                if facets:
                    node['facets'] = facets
        else:
            ct = decl.find(XS + 'complexType')
            st = decl.find(XS + 'simpleType')
            if ct is not None:
                complex_content(ct, node)
            elif st is not None:
                b, facets = inline_simple(st)
                node['type'] = b
                if facets:
                    node['facets'] = facets
            else:
                node['type'] = 'xs:anyType'
        if 'children' not in node and 'type' not in node:
            node['type'] = 'xs:empty'
        return node

    tree = build_element(elements['dossier'])
    print(json.dumps({'namespace': root.get('targetNamespace'), 'root': tree}, indent=1,
                     ensure_ascii=False))


if __name__ == '__main__':
    main(sys.argv[1])
