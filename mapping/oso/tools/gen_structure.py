#!/usr/bin/env python3
"""Derives the OSO element tree from the official XSD: element order, choices, cardinality, simple
types with all their facets, attributes, repeated sequences and mixed content. The output
(data/<version>/structure.json) is the project's own data: gen_binding.py binds it to the canonical
model, and the native structure check (oso_structure.cpp, structure.json compiled in) validates
dossiers against it without the XSD file. Adding a standard version means running this on its XSD
and adding mapping/code-list data.

Shape of one element node:
  name, min, max (-1: unbounded)
  children: element nodes in sequence order. Consecutive children with the same `choice` id form
            one xs:choice; a choice may be empty when any of its members has min 0.
  repeat:   {min, max} when the content sequence itself repeats (xs:sequence maxOccurs).
  type:     simple content: the XSD built-in base (xs:string, xs:date, ...); `xs:empty` for an
            element that has neither children nor text; absent when there are children.
  facets:   enum (list), patterns (list of lists: the outer list ANDs the derivation steps, each
            inner list ORs the patterns of one step), minLength, maxLength, length, minInclusive,
            maxInclusive, minExclusive, maxExclusive, totalDigits, fractionDigits, whiteSpace.
  attributes: [{name, type, required, facets?}]
  mixed:    true when text may appear between child elements.
Elements and attributes that the tree does not declare are not allowed (the XSD has no xs:any).

The generator refuses XSD constructs it does not model (xs:any, attribute groups, list/union types,
repeated nested sequences, repeated choices), so that the data never silently says less than the
schema.

usage: gen_structure.py OSO_gegevensset.xsd > structure.json
"""
import json
import sys
import xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'


UNSUPPORTED = ('any', 'anyAttribute', 'attributeGroup', 'all', 'list', 'union')
SINGLE_FACETS = ('minLength', 'maxLength', 'length', 'minInclusive', 'maxInclusive',
                 'minExclusive', 'maxExclusive', 'totalDigits', 'fractionDigits', 'whiteSpace')


def tag_of(node):
    return node.tag.replace(XS, '')


def main(path):
    root = ET.parse(path).getroot()
    elements = {e.get('name'): e for e in root.findall(XS + 'element')}
    ctypes = {e.get('name'): e for e in root.findall(XS + 'complexType')}
    stypes = {e.get('name'): e for e in root.findall(XS + 'simpleType')}
    groups = {e.get('name'): e for e in root.findall(XS + 'group')}

    for n in root.iter():
        if isinstance(n.tag, str) and n.tag.startswith(XS) and tag_of(n) in UNSUPPORTED:
            raise SystemExit('xs:%s not supported' % tag_of(n))

    def add_restriction(r, facets):
        """Adds the facets of one restriction step. A more derived step has been added
        already and wins for single-valued facets; patterns of every step are kept."""
        step_patterns = []
        enum = []
        for f in r:
            tag = tag_of(f)
            if tag == 'enumeration':
                enum.append(f.get('value'))
            elif tag == 'pattern':
                step_patterns.append(f.get('value'))
            elif tag in SINGLE_FACETS:
                facets.setdefault(tag, f.get('value'))
            elif tag not in ('annotation', 'simpleType'):
                raise SystemExit('facet xs:%s not supported' % tag)
        if enum and 'enum' not in facets:
            facets['enum'] = enum
        if step_patterns:
            facets.setdefault('patterns', []).append(step_patterns)

    def simple_base(tname, facets=None):
        """Follows a simple type to its xs: base; returns (base, facets)."""
        facets = {} if facets is None else facets
        while tname and not tname.startswith('xs:'):
            st = stypes.get(tname)
            if st is None:
                raise SystemExit('unknown simple type ' + tname)
            r = st.find(XS + 'restriction')
            if r is None:
                raise SystemExit('simple type %s: only xs:restriction is supported' % tname)
            add_restriction(r, facets)
            tname = r.get('base')
        return tname, facets

    def inline_simple(st):
        r = st.find(XS + 'restriction')
        if r is None:
            raise SystemExit('inline simple type: only xs:restriction is supported')
        facets = {}
        add_restriction(r, facets)
        return simple_base(r.get('base'), facets)

    def occurs(node):
        mn = int(node.get('minOccurs', '1'))
        mx = node.get('maxOccurs', '1')
        return mn, (-1 if mx == 'unbounded' else int(mx))

    def particles(node, out, in_choice=False):
        for c in node:
            tag = tag_of(c)
            if tag == 'element':
                out.append(build_element(c, in_choice))
            elif tag == 'sequence':
                if occurs(c) != (1, 1):
                    raise SystemExit('nested xs:sequence with minOccurs/maxOccurs not supported')
                if in_choice:
                    raise SystemExit('xs:sequence inside xs:choice not supported')
                particles(c, out, in_choice)
            elif tag == 'choice':
                cmin, cmax = occurs(c)
                if cmax != 1 or in_choice:
                    raise SystemExit('repeated or nested xs:choice not supported')
                sub = []
                particles(c, sub, True)
                cid = 'choice%d' % len(out)
                for s in sub:
                    s['choice'] = cid
                    if cmin == 0:
                        s['min'] = 0
                out.extend(sub)
            elif tag == 'group':
                g = groups[c.get('ref')]
                if occurs(c) != (1, 1):
                    raise SystemExit('xs:group with minOccurs/maxOccurs not supported')
                particles(g, out, in_choice)

    def attribute(a):
        st = a.find(XS + 'simpleType')
        if st is not None:
            ab, af = inline_simple(st)
        else:
            ab, af = simple_base(a.get('type', 'xs:string'))
        out = {'name': a.get('name'), 'type': ab, 'required': a.get('use') == 'required'}
        if af:
            out['facets'] = af
        return out

    def complex_content(ct, node):
        attrs = []
        children = []
        if ct.get('mixed') == 'true':
            node['mixed'] = True
        for c in ct:
            tag = tag_of(c)
            if tag in ('sequence', 'choice', 'group'):
                mn, mx = occurs(c)
                if (mn, mx) != (1, 1):
                    if tag != 'sequence':
                        raise SystemExit('repeated top-level %s not supported' % tag)
                    node['repeat'] = {'min': mn, 'max': mx}
                    particles(c, children)
                else:
                    particles(ct, children)
                break
        cc = ct.find(XS + 'complexContent')
        if cc is not None:
            ext = cc.find(XS + 'extension')
            if ext is None:
                raise SystemExit('complexContent: only xs:extension is supported')
            if cc.get('mixed') == 'true':
                node['mixed'] = True
            base = ctypes[ext.get('base')]
            bnode = {}
            complex_content(base, bnode)
            if 'repeat' in bnode:
                raise SystemExit('extension of a repeated sequence not supported')
            if bnode.get('mixed'):
                node['mixed'] = True
            children = bnode.get('children', []) + children
            attrs.extend(bnode.get('attributes', []))
            particles(ext, children)
            for a in ext.findall(XS + 'attribute'):
                attrs.append(attribute(a))
        sc = ct.find(XS + 'simpleContent')
        if sc is not None:
            ext = sc.find(XS + 'extension')
            if ext is None:
                raise SystemExit('simpleContent: only xs:extension is supported')
            b, facets = simple_base(ext.get('base'))
            node['type'] = b
            if facets:
                node['facets'] = facets
            for a in ext.findall(XS + 'attribute'):
                attrs.append(attribute(a))
        for a in ct.findall(XS + 'attribute'):
            attrs.append(attribute(a))
        if children:
            node['children'] = children
        if attrs:
            node['attributes'] = attrs

    def build_element(e, in_choice=False):
        mn, mx = occurs(e)
        if e.get('ref'):
            decl = elements[e.get('ref')]
        else:
            decl = e
        if decl.get('nillable') == 'true' or decl.get('abstract') == 'true' or \
                decl.get('substitutionGroup') or decl.get('fixed') is not None or \
                decl.get('default') is not None:
            raise SystemExit('element %s: nillable/abstract/substitution/fixed/default '
                             'not supported' % decl.get('name'))
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
