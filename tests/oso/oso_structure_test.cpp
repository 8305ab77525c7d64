// Native structural validation (mapping/oso/oso_structure.h) on small hand-written dossiers and
// a hand-written structure: order, choice, cardinality, every type and facet kind, attributes,
// unknown elements, namespaces, and meldingen that never carry a value. No file from outside the
// repository is read.
#include "mapping/oso/oso_structure.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "mapping/oso/oso_cli.h"

#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_xml.h"

namespace sluis::oso {
namespace {

const char* kNs = "http://www.edustandaard.nl/oso_gegevensset/2019/dossier";
const char* kSecret = "Geheim4711";  // stands in for a personal value

std::string metadata(const std::string& inner = {}) {
    if (!inner.empty()) return inner;
    return "<metadata><deeldossier>1</deeldossier><pakketnaam>P</pakketnaam>"
           "<pakketversie>1</pakketversie><datum>2019-05-01</datum>"
           "<standaardversie>2019.1</standaardversie><validatieversie>1</validatieversie>"
           "</metadata>";
}

/// A minimal dossier that is valid against the 2019.1 structure; parts can be replaced.
std::string dossier(const std::string& leerling = "<achternaam>Jansen</achternaam>",
                    const std::string& school_extra = {}, const std::string& meta = {},
                    const std::string& root_attrs = {}) {
    return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<dossier xmlns=\"") + kNs +
           "\"" + root_attrs + ">\n" + metadata(meta) +
           "\n<overdrachtsoort>overstapdossier</overdrachtsoort>\n<huidigeschool>\n"
           "<naam>School</naam>" +
           school_extra +
           "<brincode>12AB</brincode><vestigingscode>00</vestigingscode>"
           "<aanleverpunt>1</aanleverpunt>\n<leerling>" +
           leerling + "</leerling>\n</huidigeschool>\n</dossier>\n";
}

std::shared_ptr<const Structure> s2019() {
    auto s = Structure::get("2019.1");
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return *s;
}

std::vector<Melding> check(const Structure& s, const std::string& xml) {
    pugi::xml_document doc;
    XmlProblem problem;
    EXPECT_TRUE(parseSafe(xml, doc, problem)) << problem.text;
    std::vector<Melding> out;
    size_t n = s.check(doc, xml, out);
    EXPECT_EQ(n, out.size());
    for (const auto& m : out) {
        EXPECT_EQ(m.rule, "XSD");
        EXPECT_EQ(m.text.find(kSecret), std::string::npos) << m.text;
        EXPECT_EQ(m.xpath.find(kSecret), std::string::npos) << m.xpath;
    }
    return out;
}

std::vector<Melding> check2019(const std::string& xml) { return check(*s2019(), xml); }

std::string all(const std::vector<Melding>& ms) {
    std::string s;
    for (const auto& m : ms) s += m.xpath + " (" + std::to_string(m.line) + "): " + m.text + "\n";
    return s;
}

TEST(OsoStructure, MinimalDossierIsValid) {
    auto ms = check2019(dossier());
    EXPECT_TRUE(ms.empty()) << all(ms);
}

TEST(OsoStructure, PrefixedNamespaceIsValid) {
    std::string xml = dossier();
    // Same dossier with a prefix on every element.
    std::string p;
    for (size_t i = 0; i < xml.size(); ++i) {
        p += xml[i];
        if (xml[i] == '<' && i + 1 < xml.size() && xml[i + 1] != '?') {
            if (xml[i + 1] == '/') {
                p += '/';
                ++i;
            }
            p += "o:";
        }
    }
    auto pos = p.find("xmlns=");
    p.replace(pos, 6, "xmlns:o=");
    auto ms = check2019(p);
    EXPECT_TRUE(ms.empty()) << all(ms) << p;
}

TEST(OsoStructure, WrongOrderNamesExpectedElement) {
    std::string meta =
        "<metadata><pakketnaam>P</pakketnaam><deeldossier>1</deeldossier>"
        "<pakketversie>1</pakketversie><datum>2019-05-01</datum>"
        "<standaardversie>2019.1</standaardversie><validatieversie>1</validatieversie></metadata>";
    auto ms = check2019(dossier("<achternaam>J</achternaam>", {}, meta));
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_EQ(ms[0].xpath, "/dossier/metadata/pakketnaam");
    EXPECT_EQ(ms[0].line, 3);
    EXPECT_NE(ms[0].text.find("'deeldossier'"), std::string::npos) << ms[0].text;
    EXPECT_NE(ms[0].text.find("niet verwacht"), std::string::npos) << ms[0].text;
}

TEST(OsoStructure, MissingRequiredElementAtEnd) {
    auto ms = check2019(dossier("<voornaam>A</voornaam>"));
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_EQ(ms[0].xpath, "/dossier/huidigeschool/leerling");
    EXPECT_NE(ms[0].text.find("mist een verplicht element"), std::string::npos) << ms[0].text;
    EXPECT_NE(ms[0].text.find("'achternaam'"), std::string::npos) << ms[0].text;
}

TEST(OsoStructure, MissingRequiredElementBeforeAnother) {
    auto ms = check2019(dossier("<roepnaam>A</roepnaam>"));
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_EQ(ms[0].xpath, "/dossier/huidigeschool/leerling/roepnaam");
    EXPECT_NE(ms[0].text.find("'achternaam'"), std::string::npos) << ms[0].text;
}

TEST(OsoStructure, TooManyOccurrences) {
    auto ms = check2019(dossier("<achternaam>A</achternaam><achternaam>B</achternaam>"));
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_EQ(ms[0].xpath, "/dossier/huidigeschool/leerling/achternaam[2]");
    EXPECT_NE(ms[0].text.find("te vaak"), std::string::npos) << ms[0].text;
    // Unbounded repetition is fine.
    EXPECT_TRUE(check2019(dossier("<voornaam>A</voornaam><voornaam>B</voornaam>"
                                  "<voornaam>C</voornaam><achternaam>D</achternaam>"))
                    .empty());
}

TEST(OsoStructure, UnknownElement) {
    auto ms = check2019(dossier("<achternaam>A</achternaam><schoenmaat>42</schoenmaat>"));
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_EQ(ms[0].xpath, "/dossier/huidigeschool/leerling/schoenmaat");
    EXPECT_NE(ms[0].text.find("onbekend"), std::string::npos) << ms[0].text;
}

TEST(OsoStructure, ElementInOtherNamespace) {
    auto ms = check2019(dossier("<achternaam xmlns=\"urn:anders\">A</achternaam>"));
    ASSERT_GE(ms.size(), 1u);
    EXPECT_NE(ms[0].text.find("namespace"), std::string::npos) << ms[0].text;
    auto undeclared = check2019(dossier("<x:achternaam>A</x:achternaam>"));
    ASSERT_GE(undeclared.size(), 1u);
    EXPECT_NE(undeclared[0].text.find("niet-gedeclareerd"), std::string::npos);
}

TEST(OsoStructure, RootInOtherNamespace) {
    std::string xml = dossier();
    xml.replace(xml.find(kNs), std::string(kNs).size(), "urn:anders");
    auto ms = check2019(xml);
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_EQ(ms[0].xpath, "/dossier");
}

TEST(OsoStructure, Choice) {
    EXPECT_TRUE(check2019(dossier("<achternaam>A</achternaam><geboortedatum>2010-01-31"
                                  "</geboortedatum>"))
                    .empty());
    EXPECT_TRUE(
        check2019(dossier("<achternaam>A</achternaam><geboortemaand>2010-01</geboortemaand>"))
            .empty());
    auto both = check2019(dossier("<achternaam>A</achternaam><geboortedatum>2010-01-31"
                                  "</geboortedatum><geboortemaand>2010-01</geboortemaand>"));
    ASSERT_EQ(both.size(), 1u) << all(both);
    EXPECT_EQ(both[0].xpath, "/dossier/huidigeschool/leerling/geboortemaand");
}

TEST(OsoStructure, Dates) {
    auto date = [](const std::string& v) {
        return check2019(
            dossier("<achternaam>A</achternaam><geboortedatum>" + v + "</geboortedatum>"));
    };
    for (const char* ok : {"2020-02-29", "2000-02-29", "2019-12-31Z", "2019-01-01+14:00",
                           "2019-01-01-05:30", " 2019-01-01\n", "12019-01-01", "-0044-03-15"})
        EXPECT_TRUE(date(ok).empty()) << ok << "\n" << all(date(ok));
    for (const char* bad : {"2019-02-29", "1900-02-29", "2019-13-01", "2019-00-10", "2019-04-31",
                            "19-01-01", "2019-1-01", "2019-01-01+15:00", "2019-01-01T00:00",
                            "0000-01-01", "02019-01-01", "31-12-2019", "", "2019 -01-01"}) {
        auto ms = date(bad);
        ASSERT_EQ(ms.size(), 1u) << bad << "\n" << all(ms);
        EXPECT_NE(ms[0].text.find("geen geldige datum"), std::string::npos) << ms[0].text;
        EXPECT_EQ(ms[0].xpath, "/dossier/huidigeschool/leerling/geboortedatum");
    }
}

TEST(OsoStructure, BooleanAndInteger) {
    auto geheim = [](const std::string& v) {
        return check2019(dossier("<achternaam>A</achternaam><adresgeheim>" + v + "</adresgeheim>"));
    };
    for (const char* ok : {"true", "false", "1", "0", " true "})
        EXPECT_TRUE(geheim(ok).empty()) << ok;
    for (const char* bad : {"True", "ja", "2", "", "yes"}) {
        auto ms = geheim(bad);
        ASSERT_EQ(ms.size(), 1u) << bad;
        EXPECT_NE(ms[0].text.find("booleaanse"), std::string::npos);
    }
    auto geslacht = [](const std::string& v) {
        return check2019(dossier("<achternaam>A</achternaam><geslacht>" + v + "</geslacht>"));
    };
    for (const char* ok : {"1", "+2", "-0", "0009"}) EXPECT_TRUE(geslacht(ok).empty()) << ok;
    for (const char* bad : {"1.0", "x", "", "1 2"}) {
        auto ms = geslacht(bad);
        ASSERT_EQ(ms.size(), 1u) << bad;
        EXPECT_NE(ms[0].text.find("geheel getal"), std::string::npos);
    }
}

TEST(OsoStructure, PatternFacet) {
    auto brin = [](const std::string& v) {
        std::string xml = dossier();
        xml.replace(xml.find("12AB"), 4, v);
        return check2019(xml);
    };
    EXPECT_TRUE(brin("99ZZ").empty());
    for (const char* bad : {"1234", "12ab", "12ABC", "2AB", " 12AB"}) {
        auto ms = brin(bad);
        ASSERT_EQ(ms.size(), 1u) << bad;
        EXPECT_EQ(ms[0].xpath, "/dossier/huidigeschool/brincode");
        EXPECT_NE(ms[0].text.find("patroon"), std::string::npos) << ms[0].text;
    }
}

TEST(OsoStructure, MinLengthFacetCountsCharacters) {
    auto ms = check2019(dossier("<achternaam></achternaam>"));
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_NE(ms[0].text.find("minimale lengte"), std::string::npos) << ms[0].text;
    // adresbuitenland: maxLength 35 counts characters, not bytes.
    std::string e35;
    for (int i = 0; i < 35; ++i) e35 += "\xC3\xA9";  // é
    EXPECT_TRUE(
        check2019(dossier("<achternaam>A</achternaam><adresbuitenland>" + e35 + "</adresbuitenland>"))
            .empty());
    auto too_long = check2019(
        dossier("<achternaam>A</achternaam><adresbuitenland>" + e35 + "x</adresbuitenland>"));
    ASSERT_EQ(too_long.size(), 1u);
    EXPECT_NE(too_long[0].text.find("maximale lengte van 35"), std::string::npos);
}

TEST(OsoStructure, WhitespaceOnlyStringIsNotEmpty) {
    // xs:string keeps whitespace: one space satisfies minLength 1, as in the XSD.
    EXPECT_TRUE(check2019(dossier("<achternaam> </achternaam>")).empty());
    // The start tag's end is found past quoted attribute values (only the attribute is wrong).
    EXPECT_EQ(check2019(dossier("<achternaam a=\"/>\"> </achternaam>")).size(), 1u);
    EXPECT_EQ(check2019(dossier("<achternaam/>")).size(), 1u);
    // A boolean collapses whitespace: only spaces is empty, hence invalid.
    EXPECT_EQ(check2019(dossier("<achternaam>A</achternaam><adresgeheim> </adresgeheim>")).size(),
              1u);
}

TEST(OsoStructure, TextAndChildrenWhereNotAllowed) {
    auto text = check2019(dossier("<achternaam>A</achternaam>los"));
    ASSERT_EQ(text.size(), 1u) << all(text);
    EXPECT_EQ(text[0].xpath, "/dossier/huidigeschool/leerling");
    EXPECT_NE(text[0].text.find("geen tekst"), std::string::npos);
    auto kids = check2019(dossier("<achternaam><b>A</b></achternaam>"));
    ASSERT_EQ(kids.size(), 1u) << all(kids);
    EXPECT_NE(kids[0].text.find("geen onderliggende elementen"), std::string::npos);
}

TEST(OsoStructure, Attributes) {
    EXPECT_TRUE(check2019(dossier("<achternaam>A</achternaam>"
                                  "<nationaliteit omschrijving=\"Nederlandse\">0001</nationaliteit>"))
                    .empty());
    auto empty = check2019(dossier("<achternaam>A</achternaam>"
                                   "<nationaliteit omschrijving=\"\">0001</nationaliteit>"));
    ASSERT_EQ(empty.size(), 1u) << all(empty);
    EXPECT_NE(empty[0].text.find("attribuut 'omschrijving'"), std::string::npos);
    auto unknown = check2019(dossier("<achternaam kleur=\"" + std::string(kSecret) +
                                     "\">A</achternaam>"));
    ASSERT_EQ(unknown.size(), 1u) << all(unknown);
    EXPECT_NE(unknown[0].text.find("'kleur' is niet toegestaan"), std::string::npos);
    // xsi:schemaLocation is allowed, other foreign attributes are not.
    EXPECT_TRUE(check2019(dossier("<achternaam>A</achternaam>", {}, {},
                                  " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
                                  " xsi:schemaLocation=\"x y\""))
                    .empty());
    EXPECT_EQ(check2019(dossier("<achternaam>A</achternaam>", {}, {},
                                " xmlns:f=\"urn:f\" f:x=\"1\""))
                  .size(),
              1u);
}

TEST(OsoStructure, MeldingenNeverCarryTheValue) {
    std::string v = kSecret;
    auto ms = check2019(dossier("<achternaam>A</achternaam><geboortedatum>" + v +
                                "</geboortedatum><geslacht>" + v + "</geslacht><adresgeheim>" +
                                v + "</adresgeheim>"));
    EXPECT_EQ(ms.size(), 3u) << all(ms);  // check() asserts that no melding carries the value
    std::string xml = dossier();
    xml.replace(xml.find("12AB"), 4, v);
    EXPECT_EQ(check2019(xml).size(), 1u);
}

// --- a hand-written structure for every type and facet kind -----------------------------------

const char* kTestStructure = R"({
 "namespace": "urn:t",
 "root": {"name": "r", "min": 1, "max": 1, "children": [
  {"name": "b", "min": 0, "max": 1, "type": "xs:boolean"},
  {"name": "i", "min": 0, "max": 1, "type": "xs:int"},
  {"name": "n", "min": 0, "max": 1, "type": "xs:integer",
   "facets": {"minInclusive": "-5", "maxInclusive": "1000"}},
  {"name": "x", "min": 0, "max": 1, "type": "xs:integer",
   "facets": {"minExclusive": "0", "maxExclusive": "10"}},
  {"name": "d", "min": 0, "max": 1, "type": "xs:decimal",
   "facets": {"totalDigits": "4", "fractionDigits": "2"}},
  {"name": "e", "min": 0, "max": 1, "type": "xs:string", "facets": {"enum": ["01", "10"]}},
  {"name": "l", "min": 0, "max": 1, "type": "xs:string", "facets": {"length": "3"}},
  {"name": "p", "min": 0, "max": 1, "type": "xs:string",
   "facets": {"patterns": [["[0-9]{4}", "[A-Z]{2}"], ["1.*|A.*"]]}},
  {"name": "w", "min": 0, "max": 1, "type": "xs:string",
   "facets": {"whiteSpace": "collapse", "maxLength": "3"}},
  {"name": "m", "min": 0, "max": 1, "mixed": true, "children": [
    {"name": "k", "min": 0, "max": -1, "type": "xs:string"}]},
  {"name": "z", "min": 0, "max": 1, "type": "xs:empty",
   "attributes": [{"name": "id", "type": "xs:integer", "required": true},
                  {"name": "o", "type": "xs:string", "required": false,
                   "facets": {"maxLength": "2"}}]},
  {"name": "c1", "min": 1, "max": 1, "type": "xs:string", "choice": "choice11"},
  {"name": "c2", "min": 1, "max": -1, "type": "xs:string", "choice": "choice11"},
  {"name": "s", "min": 0, "max": 1, "repeat": {"min": 1, "max": -1}, "children": [
    {"name": "naam", "min": 1, "max": 1, "type": "xs:string"},
    {"name": "onderdeel", "min": 0, "max": -1, "type": "xs:string"},
    {"name": "score", "min": 1, "max": -1, "type": "xs:string"}]}
 ]}
})";

std::shared_ptr<const Structure> testStructure() {
    auto s = Structure::parse(kTestStructure);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return *s;
}

std::vector<Melding> checkT(const std::string& body) {
    return check(*testStructure(), "<r xmlns=\"urn:t\">" + body + "</r>");
}

void expectValid(const std::string& body) {
    auto ms = checkT(body);
    EXPECT_TRUE(ms.empty()) << body << "\n" << all(ms);
}

void expectInvalid(const std::string& body, const std::string& text_part) {
    auto ms = checkT(body);
    ASSERT_EQ(ms.size(), 1u) << body << "\n" << all(ms);
    EXPECT_NE(ms[0].text.find(text_part), std::string::npos) << body << "\n" << ms[0].text;
}

TEST(OsoStructureTypes, RequiredChoice) {
    expectValid("<c1>a</c1>");
    expectValid("<c2>a</c2><c2>b</c2>");
    expectInvalid("", "mist een verplicht element; verwacht: ");
    expectInvalid("", "'c1', 'c2'");
    expectInvalid("<c1>a</c1><c2>b</c2>", "'c2'");
}

TEST(OsoStructureTypes, IntRange) {
    expectValid("<i>2147483647</i><c1/>");
    expectValid("<i>-2147483648</i><c1/>");
    expectInvalid("<i>2147483648</i><c1/>", "xs:int");
    expectInvalid("<i>1e3</i><c1/>", "geheel getal");
}

TEST(OsoStructureTypes, InclusiveAndExclusiveBounds) {
    expectValid("<n>-5</n><c1/>");
    expectValid("<n>1000</n><c1/>");
    expectValid("<n>+0001000</n><c1/>");
    expectInvalid("<n>-6</n><c1/>", "minimum -5");
    expectInvalid("<n>1001</n><c1/>", "maximum 1000");
    expectInvalid("<n>100000000000000000000000</n><c1/>", "maximum");
    expectValid("<x>1</x><c1/>");
    expectValid("<x>9</x><c1/>");
    expectInvalid("<x>0</x><c1/>", "groter zijn dan 0");
    expectInvalid("<x>10</x><c1/>", "kleiner zijn dan 10");
}

TEST(OsoStructureTypes, DecimalDigits) {
    expectValid("<d>12.34</d><c1/>");
    expectValid("<d>-.5</d><c1/>");
    expectValid("<d>0012.3400</d><c1/>");
    expectValid("<d>7.</d><c1/>");
    expectInvalid("<d>123.45</d><c1/>", "meer dan 4 cijfers");
    expectInvalid("<d>1.234</d><c1/>", "meer dan 2 decimalen");
    expectInvalid("<d>1,5</d><c1/>", "decimaal getal");
    expectInvalid("<d>.</d><c1/>", "decimaal getal");
}

TEST(OsoStructureTypes, EnumerationAndLength) {
    expectValid("<e>01</e><c1/>");
    expectInvalid("<e>1</e><c1/>", "lijst van toegestane waarden");
    expectValid("<l>abc</l><c1/>");
    expectInvalid("<l>ab</l><c1/>", "precies 3");
}

TEST(OsoStructureTypes, PatternsAndOverStepsOrWithin) {
    expectValid("<p>1234</p><c1/>");
    expectValid("<p>AB</p><c1/>");
    expectInvalid("<p>BB</p><c1/>", "patroon 1.*|A.*");   // second step fails
    expectInvalid("<p>12345</p><c1/>", "patroon [0-9]{4} | [A-Z]{2}");
}

TEST(OsoStructureTypes, WhiteSpaceCollapse) {
    expectValid("<w>  a  b </w><c1/>");
    expectInvalid("<w> a   bc </w><c1/>", "maximale lengte van 3");
}

TEST(OsoStructureTypes, MixedAndEmptyContent) {
    expectValid("<m>tekst <k>a</k> meer</m><c1/>");
    expectValid("<z id=\"1\"/><c1/>");
    expectInvalid("<z id=\"1\">x</z><c1/>", "moet leeg zijn");
    expectInvalid("<z id=\"1\"><k/></z><c1/>", "moet leeg zijn");
}

TEST(OsoStructureTypes, RequiredAndTypedAttributes) {
    expectInvalid("<z/><c1/>", "verplicht attribuut 'id' ontbreekt");
    expectInvalid("<z id=\"een\"/><c1/>", "attribuut 'id' van element 'z': geen geldig geheel");
    expectInvalid("<z id=\"1\" o=\"abc\"/><c1/>", "attribuut 'o'");
    expectValid("<z id=\" 7 \" o=\"ab\"/><c1/>");
}

TEST(OsoStructureTypes, RepeatedSequence) {
    expectValid("<c1/><s><naam/><score/></s>");
    expectValid("<c1/><s><naam/><onderdeel/><score/><score/><naam/><score/></s>");
    auto ms = checkT("<c1/><s><naam/><onderdeel/></s>");
    ASSERT_EQ(ms.size(), 1u) << all(ms);
    EXPECT_NE(ms[0].text.find("'score'"), std::string::npos);
    expectInvalid("<c1/><s><naam/><score/><onderdeel/></s>", "'onderdeel'");
    expectInvalid("<c1/><s><naam/><score/><naam/></s>", "'score'");
}

TEST(OsoStructureTypes, BadStructureDataIsRefused) {
    EXPECT_FALSE(Structure::parse("{}"));
    EXPECT_FALSE(Structure::parse(R"({"namespace":"u","root":{"name":"r","type":"xs:float"}})"));
    EXPECT_FALSE(Structure::parse(
        R"({"namespace":"u","root":{"name":"r","type":"xs:string","facets":{"patterns":[["\\p{L}"]]}}})"));
}

// --- the pattern translator ---------------------------------------------------------------------

bool match(const std::string& p, const std::string& v) {
    auto c = XsdPattern::compile(p);
    EXPECT_TRUE(c) << p << ": " << (c ? "" : c.error().message);
    return c && c->matches(v);
}

TEST(XsdPatternTest, Subset) {
    EXPECT_TRUE(match("\\d{2}-\\d{2}-\\d{4}", "01-02-2010"));
    EXPECT_FALSE(match("\\d{2}-\\d{2}-\\d{4}", "1-02-2010"));
    EXPECT_TRUE(match("\\p{Nd}{4}-\\p{Nd}{2}", "2010-01"));
    EXPECT_TRUE(match("\\p{Nd}{4}-\\p{Nd}{2}", "\xD9\xA2\xD9\xA0\xD9\xA1\xD9\xA0-01"));  // ٢٠١٠
    EXPECT_FALSE(match("\\p{Nd}{4}-\\p{Nd}{2}", "20x0-01"));
    EXPECT_TRUE(match("[0-9][0-9][A-Z][A-Z]", "07XY"));
    EXPECT_FALSE(match("[0-9][0-9][A-Z][A-Z]", "07XYZ"));
    EXPECT_TRUE(match("01|10|2[0-9]|3[0-7]", "25"));
    EXPECT_FALSE(match("01|10|2[0-9]|3[0-7]", "38"));
    EXPECT_TRUE(match("(ab)+c?", "ababc"));
    EXPECT_FALSE(match("(ab)+c?", "abac"));
    EXPECT_TRUE(match("[^a-c]x*", "dxx"));
    EXPECT_FALSE(match("[^a-c]x*", "bx"));
    EXPECT_TRUE(match("a{2,3}", "aaa"));
    EXPECT_FALSE(match("a{2,3}", "aaaa"));
    EXPECT_TRUE(match("a{2,}", "aaaaa"));
    EXPECT_TRUE(match("[\\d\\-]+", "12-3"));
    EXPECT_TRUE(match("[\\D]", "x"));
    EXPECT_FALSE(match("[\\D]", "5"));
    EXPECT_TRUE(match("\\.\\s", ". "));
    EXPECT_TRUE(match(".", "\xC3\xA9"));
    EXPECT_FALSE(match("", "a"));
    EXPECT_TRUE(match("", ""));
    EXPECT_FALSE(XsdPattern::compile("\\p{L}"));
    EXPECT_FALSE(XsdPattern::compile("[a-z-[aeiou]]"));
    EXPECT_FALSE(XsdPattern::compile("(ab"));
    EXPECT_FALSE(XsdPattern::compile("a{3,1}"));
    EXPECT_FALSE(XsdPattern::compile("\\q"));
}

// --- the validator always checks the structure ----------------------------------------------------

TEST(OsoStructureValidator, NativeCheckRunsWithoutSchema) {
    auto s = Standard::get("2019.1");
    ASSERT_TRUE(s);
    Validator v(*s, ValidatorOptions{});
    EXPECT_TRUE(v.schemaStatus().isOk());
    EXPECT_FALSE(v.validate(dossier()).has("XSD"));
    auto rep = v.validate(dossier("<achternaam>A</achternaam><geslacht>x</geslacht>"));
    ASSERT_TRUE(rep.has("XSD"));
    EXPECT_FALSE(rep.unreadable);
    auto st = v.validateStructure(dossier("<voornaam>A</voornaam>"));
    ASSERT_EQ(st.meldingen.size(), 1u);
    EXPECT_EQ(st.meldingen[0].rule, "XSD");
    EXPECT_TRUE(v.validateStructure(dossier()).valid());
}

TEST(OsoStructureValidator, UnloadableExplicitSchemaIsAnError) {
    auto s = Standard::get("2019.1");
    ASSERT_TRUE(s);
    Validator v(*s, ValidatorOptions{"/nonexistent/OSO_gegevensset.xsd"});
    EXPECT_FALSE(v.schemaStatus().isOk());
    auto rep = v.validate(dossier());
    EXPECT_TRUE(rep.unreadable);
    EXPECT_TRUE(rep.has("XSD"));
}

TEST(OsoStructureValidator, LocateSchemaHasNoBuiltInFallback) {
    const char* old = std::getenv("SLUIS_OSO_SCHEMA_DIR");
    std::string saved = old ? old : "";
    unsetenv("SLUIS_OSO_SCHEMA_DIR");
    EXPECT_EQ(locateSchema("2019.1"), "");
    // An explicit choice that holds no schema is returned as given, so that loading it fails.
    EXPECT_EQ(locateSchema("2019.1", "/nonexistent/dir"), "/nonexistent/dir");
    setenv("SLUIS_OSO_SCHEMA_DIR", "/nonexistent/env", 1);
    EXPECT_EQ(locateSchema("2019.1"), "/nonexistent/env");
    if (old)
        setenv("SLUIS_OSO_SCHEMA_DIR", saved.c_str(), 1);
    else
        unsetenv("SLUIS_OSO_SCHEMA_DIR");
}

TEST(OsoStructureCli, ValidateAndReadCheckStructureWithoutSchemaFile) {
    auto dir = std::filesystem::temp_directory_path() /
               ("sluis_structure_cli_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    std::string bad = (dir / "bad.xml").string();
    std::ofstream(bad) << dossier("<voornaam>A</voornaam>");
    unsetenv("SLUIS_OSO_SCHEMA_DIR");
    // No schema anywhere: the native check still finds the missing achternaam.
    testing::internal::CaptureStdout();
    EXPECT_EQ(runOsoCli({"validate", bad}), 1);
    std::string out = testing::internal::GetCapturedStdout();
    EXPECT_NE(out.find("XSD, /dossier/huidigeschool/leerling, XML-schema: element 'leerling' mist"),
              std::string::npos)
        << out;
    // read refuses a dossier whose structure is invalid.
    testing::internal::CaptureStderr();
    EXPECT_EQ(runOsoCli({"read", bad}), 1);
    EXPECT_NE(testing::internal::GetCapturedStderr().find("structuur"), std::string::npos);
    // A named schema that cannot be loaded is an error, for every command.
    testing::internal::CaptureStderr();
    EXPECT_EQ(runOsoCli({"validate", "--schema", (dir / "nope.xsd").string(), bad}), 2);
    EXPECT_EQ(runOsoCli({"read", "--schema", (dir / "nope.xsd").string(), bad}), 2);
    testing::internal::GetCapturedStderr();
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluis::oso
