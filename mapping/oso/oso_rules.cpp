#include "mapping/oso/oso_rules.h"

#include "core/model/bsn.h"
#include "mapping/oso/oso_validator.h"

namespace sluis::oso {

namespace {

const std::vector<pugi::xml_node> kNone;

bool isElement(const pugi::xml_node& n) { return n.type() == pugi::node_element; }

/// Number of characters (UTF-8 code points), as XPath string-length counts.
size_t charCount(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

bool inCodeList(const pugi::xml_node& n, const CodeList& cl) {
    for (const auto& v : cl.values)
        if (hasTextNode(n, v)) return true;
    return false;
}

/// The node's ancestors match the field's path (the field name itself already matched).
bool pathMatches(const pugi::xml_node& n, const CodeListField& f) {
    pugi::xml_node p = n;
    for (size_t i = f.path.size() - 1; i-- > 0;) {
        p = p.parent();
        if (!p || !isElement(p) || localName(p) != f.path[i]) return false;
    }
    // `/descendant::*/od:x`: the field has an element parent.
    return isElement(n.parent());
}

}  // namespace

std::string stringValue(const pugi::xml_node& n) {
    std::string s;
    for (auto c = n.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) s += c.value();
    return s;
}

bool hasTextNode(const pugi::xml_node& n, const std::string& v) {
    for (auto c = n.first_child(); c; c = c.next_sibling())
        if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) && v == c.value())
            return true;
    return false;
}

pugi::xml_node descend(const pugi::xml_node& n, std::string_view path) {
    pugi::xml_node cur = n;
    size_t start = 0;
    while (cur && start <= path.size()) {
        size_t slash = path.find('/', start);
        cur = child(
            cur,
            path.substr(start, (slash == std::string_view::npos ? path.size() : slash) - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return cur;
}

bool xsTrue(const pugi::xml_node& n) {
    if (!n) return false;
    std::string v = trimmedText(n);
    return v == "true" || v == "1";
}

std::string trimmedText(const pugi::xml_node& n) {
    std::string s = stringValue(n);
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return std::string();
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

RuleContext::RuleContext(const Standard& s, const pugi::xml_document& doc, std::string_view b,
                         std::vector<Melding>& out)
    : standard(s), bytes(b), out_(out) {
    root = doc.document_element();
    metadata = child(root, "metadata");
    school = child(root, "huidigeschool");
    leerling = child(school, "leerling");
    inzage = child(root, "inzage");
    // As the official files read them ($typeDocument, $typeOverstap): the text as it stands.
    soort = stringValue(child(root, "overdrachtsoort"));
    pugi::xml_node o = child(metadata, "overstap");
    has_overstap = static_cast<bool>(o);
    overstap = stringValue(o);
    for (auto c = leerling.first_child(); c; c = c.next_sibling())
        if (isElement(c)) by_name_[std::string(localName(c))].push_back(c);

    // One pass over every element: the nodes that rules about an element type look at.
    std::vector<pugi::xml_node> stack{root};
    while (!stack.empty()) {
        pugi::xml_node n = stack.back();
        stack.pop_back();
        for (auto c = n.last_child(); c; c = c.previous_sibling())
            if (isElement(c)) stack.push_back(c);
        std::string_view name = localName(n);
        switch (name.empty() ? '\0' : name[0]) {
            case 'c':
                if (name == "communicatie") communicaties.push_back(n);
                break;
            case 'h':
                if (name == "huisarts") huisartsen.push_back(n);
                break;
            case 'l':
                if (name == "lwoo_einddatum") lwoo_einddata.push_back(n);
                break;
            case 'r':
                if (name == "resultaat") resultaten.push_back(n);
                break;
            case 's':
                if (name == "score") scores.push_back(n);
                break;
            case 't':
                if (name == "toets")
                    toetsen.push_back(n);
                else if (name == "toetsscore")
                    toetsscores.push_back(n);
                break;
            case 'v':
                if (name == "verzorger") verzorgers.push_back(n);
                break;
            case 'z':
                if (name == "zorg") zorgen.push_back(n);
                break;
            default:
                break;
        }
        auto it = s.codeListIndex().find(name);
        if (it == s.codeListIndex().end()) continue;
        for (const auto& [li, fi] : it->second) {
            const CodeList& cl = s.codeLists()[li];
            const CodeListField& f = cl.fields[fi];
            if (f.required || !pathMatches(n, f)) continue;  // required: checked once, below
            if (!inCodeList(n, cl)) report(cl.rule, n, f.text);
        }
    }
}

const std::vector<pugi::xml_node>& RuleContext::leerlingChildren(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? kNone : it->second;
}

pugi::xml_node RuleContext::leerlingChild(std::string_view name) const {
    const auto& v = leerlingChildren(name);
    return v.empty() ? pugi::xml_node() : v.front();
}

std::vector<pugi::xml_node> RuleContext::find(std::string_view path) const {
    static constexpr std::string_view kL = "dossier/huidigeschool/leerling/";
    std::vector<pugi::xml_node> cur;
    size_t start;
    if (path.substr(0, kL.size()) == kL) {
        size_t slash = path.find('/', kL.size());
        cur = leerlingChildren(path.substr(kL.size(), slash == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : slash - kL.size()));
        if (slash == std::string_view::npos) return cur;
        start = slash + 1;
    } else {
        size_t slash = path.find('/');
        if (!root || localName(root) != path.substr(0, slash)) return cur;
        cur.push_back(root);
        if (slash == std::string_view::npos) return cur;
        start = slash + 1;
    }
    while (start <= path.size() && !cur.empty()) {
        size_t slash = path.find('/', start);
        std::string_view part =
            path.substr(start, (slash == std::string_view::npos ? path.size() : slash) - start);
        std::vector<pugi::xml_node> next;
        for (const auto& n : cur)
            for (auto c = n.first_child(); c; c = c.next_sibling())
                if (isElement(c) && localName(c) == part) next.push_back(c);
        cur.swap(next);
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    return cur;
}

void RuleContext::report(const std::string& rule, const pugi::xml_node& at,
                         const std::string& text) {
    out_.push_back({rule, at ? xpathOf(at) : "/", text, at ? lineOf(bytes, at) : 0});
}

void RuleContext::official(const std::string& rule, const pugi::xml_node& at, size_t text) {
    report(rule, at, standard.officialText(rule, text));
}

void RuleContext::sluis(const std::string& rule, const pugi::xml_node& at,
                        const std::string& extra) {
    std::string text = standard.ruleText(rule);
    if (!extra.empty()) text += " (" + extra + ")";
    report(rule, at, text);
}

// --- Common rules: ValideerOSOgegevensset_2019.1.xsl ------------------------------------------

namespace {

void requiredCodeLists(RuleContext& ctx) {
    // Code list 33 (deeldossier) is checked as one condition on the whole dossier: reported when
    // no field of the list holds a value of the list, also when the field is absent.
    const Standard& s = ctx.standard;
    for (const auto& cl : s.codeLists())
        for (const auto& f : cl.fields) {
            if (!f.required) continue;
            std::string path = "dossier";
            for (const auto& p : f.path) path += "/" + p;
            bool ok = false;
            for (const auto& n : ctx.find(path)) ok = ok || inCodeList(n, cl);
            if (!ok) {
                auto nodes = ctx.find(path);
                ctx.report(cl.rule, nodes.empty() ? ctx.metadata : nodes.front(), f.text);
            }
        }
}

bool isAlnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// The official e-mail pattern, as XPath `matches` applies it (anchored at the end only):
/// `[a-zA-Z0-9!#$%*+=?^_`{|}~.-]+@[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
///  (\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$`. Only the last @ can start a domain that runs to
/// the end, and one allowed character before it satisfies the unanchored `+`.
bool officialEmail(std::string_view a) {
    static constexpr std::string_view kLocal = "!#$%*+=?^_`{|}~.-";
    size_t at = a.rfind('@');
    if (at == std::string_view::npos || at == 0) return false;
    char before = a[at - 1];
    if (!isAlnum(before) && kLocal.find(before) == std::string_view::npos) return false;
    std::string_view domain = a.substr(at + 1);
    size_t start = 0;
    while (true) {
        size_t dot = domain.find('.', start);
        std::string_view label =
            domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || !isAlnum(label.front()) || !isAlnum(label.back())) return false;
        for (char c : label)
            if (!isAlnum(c) && c != '-') return false;
        if (dot == std::string_view::npos) return true;
        start = dot + 1;
    }
}

/// XPath `matches(v, '[0-9][0-9][0-9][0-9]-07-31')` (unanchored).
bool hasLwooEinddatum(std::string_view v) {
    for (size_t p = v.find("-07-31"); p != std::string_view::npos; p = v.find("-07-31", p + 1)) {
        if (p < 4) continue;
        bool digits = true;
        for (size_t i = p - 4; i < p; ++i) digits = digits && v[i] >= '0' && v[i] <= '9';
        if (digits) return true;
    }
    return false;
}

/// OG.01: e-mail addresses in communicatie.
void emailRule(RuleContext& ctx) {
    for (const auto& c : ctx.communicaties) {
        if (stringValue(child(c, "soort")) != "e-mail") continue;
        pugi::xml_node nummer = child(c, "nummer");
        std::string adres = stringValue(nummer);
        pugi::xml_node at = nummer ? nummer : c;
        size_t len = charCount(adres);
        if (len < 4) ctx.official("OG.01", at, 0);
        if (len > 256) ctx.official("OG.01", at, 1);
        if (adres.find('@') == std::string::npos) ctx.official("OG.01", at, 2);
        if (!officialEmail(adres)) ctx.official("OG.01", at, 3);
    }
}

void fieldRules(RuleContext& ctx) {
    // OG.02: standaardversie.
    for (auto n = ctx.metadata.first_child(); n; n = n.next_sibling())
        if (isElement(n) && localName(n) == "standaardversie" &&
            !hasTextNode(n, ctx.standard.version()))
            ctx.official("OG.02", n);
    // OG.03: lwoo_einddatum has the form EEJJ-07-31.
    for (const auto& n : ctx.lwoo_einddata)
        if (!hasLwooEinddatum(stringValue(n))) ctx.official("OG.03", n);
    // OG.04: overlijdensdatum only when overleden.
    for (const auto& v : ctx.verzorgers) {
        pugi::xml_node datum = child(v, "overlijdensdatum");
        if (!datum) continue;
        if (!child(v, "overleden")) ctx.official("OG.04", datum, 0);
        if (!xsTrue(child(v, "overleden"))) ctx.official("OG.04", datum, 1);
    }
    // OG.05: no roepnaam, geslacht or adresgeheim = true for a huisarts.
    for (const auto& h : ctx.huisartsen) {
        if (auto n = child(h, "roepnaam")) ctx.official("OG.05", n, 0);
        if (auto n = child(h, "geslacht")) ctx.official("OG.05", n, 1);
        if (xsTrue(child(h, "adresgeheim"))) ctx.official("OG.05", child(h, "adresgeheim"), 2);
    }
}

/// OS.cat01-16: the content of each category against the dossier's own categorie_uitlevering.
void categoryRules(RuleContext& ctx) {
    pugi::xml_node cu = child(ctx.metadata, "categorie_uitlevering");
    if (!cu) return;  // OVa.MD03 / OVb.MD03 / PaO.MD03
    for (const auto& cr : ctx.standard.categoryRules()) {
        pugi::xml_node decl = child(cu, cr.field);
        if (!decl) continue;
        std::string declared = stringValue(decl);
        if (declared == "VERPLICHT" && !cr.verplicht_any.empty()) {
            bool present = false;
            for (const auto& p : cr.verplicht_any) present = present || !ctx.find(p).empty();
            if (!present) ctx.report(cr.rule, decl, cr.verplicht_text);
        }
        const auto* items = declared == "VERBODEN"  ? &cr.verboden
                            : declared == "OPT-UIT" ? &cr.opt_uit
                                                    : nullptr;
        if (!items) continue;
        for (const auto& item : *items) {
            auto nodes = ctx.find(item.path);
            if (!nodes.empty()) ctx.report(cr.rule, nodes.front(), item.text);
        }
    }
}

/// SLUIS.CU01: the declared categorie_uitlevering must be the profile's (OPT-UIT allowed where the
/// profile says OPTIONEEL), so that a dossier cannot switch a category on or off by declaring it.
void profileCategories(RuleContext& ctx) {
    pugi::xml_node cu = child(ctx.metadata, "categorie_uitlevering");
    if (!cu) return;
    const Standard& s = ctx.standard;
    const Profile* profile = s.profileFor(ctx.soort, ctx.overstap);
    if (!profile) return;  // code lists 16/29 and OVa.OS02 / PaO.SO02 say why
    for (size_t i = 0; i < s.categories().size(); ++i) {
        pugi::xml_node decl = child(cu, "cat_" + s.categories()[i].name);
        auto declared = parseDelivery(trimmedText(decl));
        if (!declared) continue;  // absent: XSD; other values: code list 48
        Delivery want = profile->categories[i];
        bool ok =
            *declared == want || (want == Delivery::kOptioneel && *declared == Delivery::kOptUit);
        if (!ok)
            ctx.sluis("SLUIS.CU01", decl,
                      std::string("profiel ") + profile->name + " vraagt " + deliveryName(want));
    }
}

void sluisRules(RuleContext& ctx) {
    const bool swv = ctx.soort == "swv-dossier";
    // SLUIS.ID05: BSN elfproef (an SWV dossier carries no BSN at all: PaO.LL12).
    if (auto bsn = ctx.leerlingChild("bsn"); bsn && !swv && !model::isValidBsn(trimmedText(bsn)))
        ctx.sluis("SLUIS.ID05", bsn);
    // SLUIS.IZ02: a redennietakkoord only with akkoord = Nee.
    if (auto r = child(ctx.inzage, "redennietakkoord");
        r && trimmedText(child(ctx.inzage, "akkoord")) != "Nee")
        ctx.sluis("SLUIS.IZ02", r);
    // SLUIS.AD02: a herzien advies needs its motivatie.
    for (const auto& advies : ctx.leerlingChildren("overstapadvies"))
        if (auto h = child(advies, "herzienadvies"); h && !child(advies, "motivatie_herzienadvies"))
            ctx.sluis("SLUIS.AD02", h);
    // SLUIS.TS01: didactische leeftijd 0..60 months.
    for (const auto& n : ctx.find("dossier/huidigeschool/leerling/toetslijst/toets/afname/dl")) {
        std::string v = trimmedText(n);
        bool ok = !v.empty() && v.size() <= 3 &&
                  v.find_first_not_of("0123456789") == std::string::npos && std::stoi(v) <= 60;
        if (!ok) ctx.sluis("SLUIS.TS01", n);
    }
    // SLUIS.TS02: the eindtoets is taken between 1 February and 30 June.
    for (const auto& n :
         ctx.find("dossier/huidigeschool/leerling/eindtoets_basisonderwijs/eindtoetsresultaat/"
                  "datum_afname")) {
        std::string v = trimmedText(n);
        std::string md = v.size() == 10 ? v.substr(5) : std::string();
        if (md < "02-01" || md > "06-30") ctx.sluis("SLUIS.TS02", n);
    }
    // SLUIS.SL01: an overstapdossier's schoolloopbaan names the current school.
    auto lb = ctx.find("dossier/huidigeschool/leerling/schoolloopbaanlijst/schoolloopbaan");
    if (ctx.soort == "overstapdossier" && !lb.empty()) {
        std::string brin = trimmedText(child(ctx.school, "brincode"));
        bool current = false;
        for (const auto& n : lb) current = current || trimmedText(child(n, "brincode")) == brin;
        if (!current) ctx.sluis("SLUIS.SL01", ctx.leerlingChild("schoolloopbaanlijst"));
    }
    // SLUIS.SL02: a period does not end before it begins (ISO dates compare as strings).
    for (const auto& n : lb) {
        std::string b = trimmedText(child(n, "begindatum")), e = trimmedText(child(n, "einddatum"));
        if (!b.empty() && !e.empty() && e < b) ctx.sluis("SLUIS.SL02", child(n, "einddatum"));
    }
}

}  // namespace

void commonRules(RuleContext& ctx) {
    requiredCodeLists(ctx);
    emailRule(ctx);
    fieldRules(ctx);
    categoryRules(ctx);
    profileCategories(ctx);
    sluisRules(ctx);
}

void businessRules(const Standard& standard, const pugi::xml_document& doc, std::string_view bytes,
                   std::vector<Melding>& out) {
    RuleContext ctx(standard, doc, bytes, out);  // also checks the code lists
    commonRules(ctx);
    if (ctx.soort == "overstapdossier" || ctx.soort == "overdrachtbinnenbrin")
        overstapRules(ctx);
    else if (ctx.soort == "swv-dossier")
        swvRules(ctx);
}

}  // namespace sluis::oso
