#include "tests/oso/oso_test_util.h"

#include <algorithm>
#include <pugixml.hpp>
#include <sstream>
#include <stdexcept>

#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_writer.h"
#include "tests/support/test_util.h"

namespace sluis::oso::test {

namespace fs = std::filesystem;

fs::path casesDir() { return sluis::test::sourceDir() / "tests" / "oso" / "cases"; }

std::vector<fs::path> caseFiles(const std::string& kind) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(casesDir() / kind))
        if (e.path().extension() == ".json") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

void flat(const pugi::xml_node& n, const std::string& prefix, std::vector<std::string>& out) {
    std::string name = n.name();
    auto colon = name.find(':');
    if (colon != std::string::npos) name = name.substr(colon + 1);
    std::string path = prefix + "/" + name;
    std::string attrs;
    bool leaf = true;
    for (auto a : n.attributes()) {
        std::string an = a.name();
        if (an == "xmlns" || an.rfind("xmlns:", 0) == 0) continue;
        attrs += an + "=" + a.value() + ";";
    }
    for (auto c : n.children())
        if (c.type() == pugi::node_element) leaf = false;
    out.push_back(path + "|" + attrs + "|" + (leaf ? trim(n.child_value()) : std::string()));
    for (auto c : n.children())
        if (c.type() == pugi::node_element) flat(c, path, out);
}

pugi::xml_node parseFragment(pugi::xml_document& holder, const std::string& xml) {
    if (!holder.load_string(xml.c_str())) throw std::runtime_error("bad fragment: " + xml);
    return holder.document_element();
}

}  // namespace

std::vector<std::string> flatten(const std::string& xml) {
    pugi::xml_document doc;
    if (!doc.load_string(xml.c_str())) throw std::runtime_error("flatten: not XML");
    std::vector<std::string> out;
    flat(doc.document_element(), "", out);
    return out;
}

std::string applyEdits(const std::string& xml, const nlohmann::json& edits) {
    pugi::xml_document doc;
    if (!doc.load_string(xml.c_str(), pugi::parse_default | pugi::parse_comments))
        throw std::runtime_error("applyEdits: base is not XML");
    for (const auto& e : edits) {
        auto select = [&](const char* key) {
            std::string xp = e.at(key).get<std::string>();
            auto set = doc.select_nodes(xp.c_str());
            if (set.empty()) throw std::runtime_error("edit matches nothing: " + xp);
            return set;
        };
        if (e.contains("set")) {
            for (auto& x : select("set"))
                x.node().text().set(e.at("value").get<std::string>().c_str());
        } else if (e.contains("remove")) {
            for (auto& x : select("remove")) x.node().parent().remove_child(x.node());
        } else if (e.contains("append") || e.contains("insert_before") ||
                   e.contains("insert_after")) {
            const char* key = e.contains("append")          ? "append"
                              : e.contains("insert_before") ? "insert_before"
                                                            : "insert_after";
            pugi::xml_node target = select(key)[0].node();
            pugi::xml_document frag;
            pugi::xml_node f = parseFragment(frag, e.at("xml").get<std::string>());
            if (std::string(key) == "append")
                target.append_copy(f);
            else if (std::string(key) == "insert_before")
                target.parent().insert_copy_before(f, target);
            else
                target.parent().insert_copy_after(f, target);
        } else {
            throw std::runtime_error("unknown edit: " + e.dump());
        }
    }
    std::ostringstream os;
    doc.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
    return os.str();
}

nlohmann::json record(const std::string& name) {
    auto path = casesDir() / "records" / name;
    try {
        return nlohmann::json::parse(sluis::test::readFile(path));
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("record " + path.string() + ": " + e.what());
    }
}

std::string buildBase(const nlohmann::json& base) {
    if (base.is_string() || !base.contains("record"))
        throw std::runtime_error(
            "base " + base.dump() +
            ": official example files are not part of this project; use "
            "{\"record\": \"<profile>_full.json\", \"profile\": ..., \"opt_out\": [...]}");
    auto s = Standard::get("2019.1");
    if (!s) throw std::runtime_error("standard 2019.1 not available");
    nlohmann::json rec = record(base.at("record").get<std::string>());
    WriteOptions o;
    o.profile = base.at("profile").get<std::string>();
    o.opt_out = base.value("opt_out", std::vector<std::string>{});
    auto w = writeDossier(rec, **s, o);
    if (!w) throw std::runtime_error("base write failed: " + w.error().message);
    return w->xml;
}

}  // namespace sluis::oso::test
