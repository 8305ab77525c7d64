// somtoday-rest source: incremental (changed-since) sync of pupils with their verzorgers,
// resultaten and absenties, one item per pupil.
//
// A *pass* reads every pupil changed since the committed cursor, page by page (Range paging),
// fetches the related resources for the pupils of each page, and offers one bundle per pupil.
// The cursor (the server's time at the start of the pass, minus an overlap) is written to
// cursor_file only when every item of the pass has been acknowledged, so a crash mid-pass resumes
// from the previous cursor; the items offered again carry the same idempotency key (pupil id +
// lastModified) and the core recognises them. Keys of items at or after the new cursor are kept
// in the cursor file, so the overlap does not offer them again.
#include <ctime>
#include <deque>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "connectors/somtoday/somtoday.h"
#include "core/util/clock.h"
#include "connectors/somtoday/somtoday_client.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/json.h"
#include "core/util/percent_encode.h"

namespace sluis::connectors {

namespace fs = std::filesystem;
using connector::OptionSpec;
using connector::OptionType;
using nlohmann::json;

namespace {

constexpr const char* kRelated[] = {"verzorgers", "resultaten", "absenties"};
constexpr size_t kMaxRecentKeys = 100000;

std::optional<long long> httpDateMillis(const std::string& value) {
    std::tm tm{};
    const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    return static_cast<long long>(timegm(&tm)) * 1000;
}

std::string idText(const json& id) {
    if (id.is_string()) return id.get<std::string>();
    if (id.is_number_integer()) return id.dump();
    return "";
}

/// Lifetime of one sync pass.
struct Pass {
    std::string since;           ///< changedSince of this pass; empty: full sync.
    std::set<std::string> skip;  ///< Keys already delivered at or after `since` (cursor file).
    std::optional<long long> new_cursor_ms;
    long long next_offset = 0;
    bool pages_done = false;
    std::deque<connector::SourceItem> buffer;
    std::set<std::string> outstanding;      ///< Offered, not yet acknowledged.
    std::map<std::string, long long> seen;  ///< Key -> lastModified ms of every item seen.
    size_t offered = 0;
    size_t rejected = 0;
};

struct SourceSettings {
    fs::path cursor_file;
    long long page_size = 100;
    std::chrono::milliseconds interval{300000};
    std::chrono::milliseconds retry_interval{30000};
    std::chrono::milliseconds overlap{60000};
};

class SomtodaySource final : public connector::Source {
  public:
    SomtodaySource(std::string instance, somtoday::ClientSettings cs, SourceSettings s)
        : instance_(std::move(instance)), clock_(cs.clock), client_(std::move(cs)), s_(std::move(s)) {}

    Result<std::vector<connector::SourceItem>> poll(size_t max_items) override {
        const Timestamp at = now();
        if (pass_ && !pass_->outstanding.empty()) {
            // The core polls again only after handling every item it got; an item without an
            // acknowledgement was not stored (e.g. a store failure). Start over from the
            // committed cursor: stored items are recognised by their keys.
            log::warn("source.pass_restarted",
                      {{"source", instance_}, {"unacknowledged", pass_->outstanding.size()}});
            pass_.reset();
            next_pass_at_ = at;
        }
        if (!pass_) {
            if (at < next_pass_at_ || client_.throttled())
                return std::vector<connector::SourceItem>{};
            auto started = startPass();
            if (!started) return started.error();
            next_pass_at_ = at + s_.interval;
        }
        if (at < retry_at_) return std::vector<connector::SourceItem>{};
        if (max_items == 0) max_items = 1;
        while (pass_->buffer.size() < max_items && !pass_->pages_done) {
            if (client_.throttled() && !pass_->buffer.empty()) break;
            auto st = fetchPage();
            if (!st) {
                retry_at_ = now() + s_.retry_interval;
                log::warn("source.page_failed", {{"source", instance_},
                                                 {"offset", pass_->next_offset},
                                                 {"code", errorCodeName(st.code())}});
                if (pass_->buffer.empty()) return st.error();
                break;
            }
        }
        std::vector<connector::SourceItem> out;
        while (!pass_->buffer.empty() && out.size() < max_items) {
            pass_->outstanding.insert(pass_->buffer.front().idempotency_key);
            out.push_back(std::move(pass_->buffer.front()));
            pass_->buffer.pop_front();
        }
        pass_->offered += out.size();
        if (out.empty()) {
            auto st = maybeFinishPass();
            if (!st) return st.error();
        }
        return out;
    }

    Status acknowledge(const connector::SourceItem& item,
                       const connector::Acknowledgement& ack) override {
        if (!pass_ || pass_->outstanding.erase(item.idempotency_key) == 0) return {};
        if (!ack.stored) {
            // The core gave up on this version (e.g. the decoder refused it); it is offered again
            // when the school changes the pupil upstream.
            ++pass_->rejected;
            log::warn("source.item_not_stored", {{"source", instance_}, {"item", item.name}});
        }
        return maybeFinishPass();
    }

  private:
    Status startPass() {
        auto p = std::make_unique<Pass>();
        std::error_code ec;
        if (fs::exists(s_.cursor_file, ec)) {
            auto text = util::readFile(s_.cursor_file, 64u * 1024u * 1024u);
            if (!text) return text.error();
            auto j = util::parseJsonOrDiscarded(*text);
            if (j.is_discarded() || !j.is_object() || !j.contains("changed_since") ||
                !j["changed_since"].is_string() ||
                !parseIsoMillis(j["changed_since"].get<std::string>()))
                return {ErrorCode::kInvalidInput,
                        "bron " + instance_ + ": cursor_file " + s_.cursor_file.string() +
                            " is beschadigd (verwacht {\"changed_since\": ...}); verwijder het "
                            "bestand voor een volledige synchronisatie"};
            p->since = j["changed_since"].get<std::string>();
            if (j.contains("recent") && j["recent"].is_array())
                for (const auto& k : j["recent"])
                    if (k.is_string()) p->skip.insert(k.get<std::string>());
        }
        log::info("source.pass_started",
                  {{"source", instance_}, {"incremental", !p->since.empty()}});
        pass_ = std::move(p);
        return {};
    }

    /// Reads every page of `resource?query` (Range paging). Used for the related resources.
    Status fetchAll(const std::string& resource, const std::string& query, json& out) {
        out = json::array();
        long long offset = 0;
        for (int guard = 0; guard < 100000; ++guard) {
            json page;
            std::optional<ContentRange> cr;
            SLUIS_RETURN_IF_ERROR(fetchRange(resource, query, offset, page, cr, nullptr));
            for (auto& e : page) out.push_back(std::move(e));
            long long n = static_cast<long long>(page.size());
            if (n == 0) return {};
            offset += n;
            if (cr && cr->total >= 0 ? offset >= cr->total : n < s_.page_size) return {};
        }
        return {ErrorCode::kInvalidInput, "bron " + instance_ + ": " + resource +
                                              ": paginering eindigt niet (Content-Range)"};
    }

    /// One Range request; `page` is the JSON array of the answer.
    Status fetchRange(const std::string& resource, const std::string& query, long long offset,
                      json& page, std::optional<ContentRange>& cr, std::string* date) {
        std::string range =
            "items=" + std::to_string(offset) + "-" + std::to_string(offset + s_.page_size - 1);
        std::string where = resource + " (items " + std::to_string(offset) + "-" +
                            std::to_string(offset + s_.page_size - 1) + ")";
        auto r = client_.get(resource + query, {"Range: " + range});
        if (!r) return r.error();
        if (date != nullptr) *date = r->header("date");
        if (r->status == 416) {  // offset past the end: an empty page
            page = json::array();
            cr.reset();
            return {};
        }
        std::string code = "HTTP " + std::to_string(r->status);
        if (r->status >= 500 || r->status == 408)
            return {ErrorCode::kUnavailable, "bron " + instance_ + ": " + where + ": serverfout (" +
                                                 code + "); later opnieuw"};
        if (r->status == 403 || r->status == 401)
            return {ErrorCode::kPermissionDenied, "bron " + instance_ + ": " + where +
                                                      ": geen toegang (" + code +
                                                      "); controleer de rechten van client_id"};
        if (r->status != 200 && r->status != 206)
            return {ErrorCode::kRejected,
                    "bron " + instance_ + ": " + where + ": onverwacht antwoord (" + code + ")"};
        try {
            page = util::parseJson(r->body, "SomToday-antwoord");
        } catch (const util::JsonTooDeep& e) {
            return {ErrorCode::kInvalidInput, "bron " + instance_ + ": " + where + ": " + e.what()};
        } catch (const json::parse_error& e) {
            return {ErrorCode::kInvalidInput,
                    "bron " + instance_ + ": " + where +
                        ": antwoord is geen geldige JSON (fout bij byte " + std::to_string(e.byte) +
                        ")"};
        }
        if (!page.is_array())
            return {ErrorCode::kInvalidInput,
                    "bron " + instance_ + ": " + where + ": verwacht een JSON-lijst"};
        cr.reset();
        std::string header = r->header("content-range");
        if (!header.empty()) {
            cr = parseContentRange(header);
            if (!cr)
                return {ErrorCode::kInvalidInput,
                        "bron " + instance_ + ": " + where + ": Content-Range onleesbaar"};
            if (!page.empty() && (cr->first != offset ||
                                  cr->last - cr->first + 1 != static_cast<long long>(page.size())))
                return {ErrorCode::kInvalidInput,
                        "bron " + instance_ + ": " + where +
                            ": Content-Range past niet bij het aantal items"};
        }
        return {};
    }

    /// Fetches the next page of changed pupils and their related resources into the buffer.
    /// On failure nothing of the page is kept: the same page is fetched again next time.
    Status fetchPage() {
        Pass& p = *pass_;
        std::string query = "?sort=id";
        if (!p.since.empty()) query += "&changedSince=" + util::percentEncode(p.since, ",");
        json page;
        std::optional<ContentRange> cr;
        std::string date;
        SLUIS_RETURN_IF_ERROR(fetchRange("leerlingen", query, p.next_offset, page, cr, &date));
        if (!p.new_cursor_ms) {
            // The server's clock at the start of the pass; anything changed later has a later
            // lastModified and is read by the next pass.
            auto server = httpDateMillis(date);
            long long start = server ? *server
                                     : toMillis(now());
            p.new_cursor_ms = start - s_.overlap.count();
        }
        std::vector<std::string> ids;
        std::string id_list;
        for (size_t i = 0; i < page.size(); ++i) {
            std::string where = "bron " + instance_ + ": leerlingen (item " +
                                std::to_string(p.next_offset + static_cast<long long>(i)) + ")";
            if (!page[i].is_object())
                return {ErrorCode::kInvalidInput, where + ": verwacht een object"};
            std::string id = page[i].contains("id") ? idText(page[i]["id"]) : "";
            if (id.empty() || id.size() > 64 || id.find_first_of(",/?&#% ") != std::string::npos)
                return {ErrorCode::kInvalidInput, where + ".id: ontbreekt of is ongeldig"};
            if (!page[i].contains("lastModified") || !page[i]["lastModified"].is_string() ||
                !parseIsoMillis(page[i]["lastModified"].get<std::string>()))
                return {ErrorCode::kInvalidInput,
                        where + ".lastModified: ontbreekt of is geen ISO-8601-tijdstip"};
            ids.push_back(id);
            id_list += (id_list.empty() ? "" : ",") + id;
        }
        std::map<std::string, json> bundles;
        for (size_t i = 0; i < page.size(); ++i)
            bundles[ids[i]] = {{"leerling", page[i]},
                               {"verzorgers", json::array()},
                               {"resultaten", json::array()},
                               {"absenties", json::array()}};
        if (!ids.empty()) {
            for (const char* res : kRelated) {
                json all;
                SLUIS_RETURN_IF_ERROR(fetchAll(res, "?leerling=" + id_list, all));
                for (size_t i = 0; i < all.size(); ++i) {
                    std::string owner = all[i].is_object() && all[i].contains("leerlingId")
                                            ? idText(all[i]["leerlingId"])
                                            : "";
                    auto b = bundles.find(owner);
                    if (b == bundles.end())
                        return {ErrorCode::kInvalidInput,
                                "bron " + instance_ + ": " + res + " (item " + std::to_string(i) +
                                    ").leerlingId: ontbreekt of hoort bij geen gevraagde leerling"};
                    b->second[res].push_back(std::move(all[i]));
                }
            }
        }
        // The whole page is complete: only now does the pass move on.
        for (size_t i = 0; i < page.size(); ++i) {
            std::string lm = page[i]["lastModified"].get<std::string>();
            connector::SourceItem item;
            item.idempotency_key = "somtoday:" + instance_ + ":" + ids[i] + "@" + lm;
            item.name = "leerling " + ids[i];
            p.seen[item.idempotency_key] = *parseIsoMillis(lm);
            if (p.skip.count(item.idempotency_key) != 0 ||
                p.outstanding.count(item.idempotency_key) != 0)
                continue;  // delivered in an earlier pass (overlap), or offered already
            bool queued = false;
            for (const auto& b : p.buffer)
                queued = queued || b.idempotency_key == item.idempotency_key;
            if (queued) continue;
            item.bytes = bundles[ids[i]].dump();
            p.buffer.push_back(std::move(item));
        }
        long long n = static_cast<long long>(page.size());
        p.next_offset += n;
        if (n == 0 || (cr && cr->total >= 0 ? p.next_offset >= cr->total : n < s_.page_size))
            p.pages_done = true;
        return {};
    }

    Status maybeFinishPass() {
        if (!pass_ || !pass_->pages_done || !pass_->buffer.empty() || !pass_->outstanding.empty())
            return {};
        Pass& p = *pass_;
        if (p.new_cursor_ms) {
            json recent = json::array();
            for (const auto& [key, ms] : p.seen)
                if (ms >= *p.new_cursor_ms && recent.size() < kMaxRecentKeys) recent.push_back(key);
            json cursor = {{"sluis_somtoday_cursor", 1},
                           {"changed_since", formatIso(fromMillis(*p.new_cursor_ms))},
                           {"recent", recent}};
            auto st = util::writeFileAtomic(s_.cursor_file, cursor.dump(1) + "\n", 0600);
            if (!st) {
                pass_.reset();  // not committed: the next pass starts from the old cursor
                return st;
            }
        }
        log::info("source.pass_committed", {{"source", instance_},
                                            {"offered", p.offered},
                                            {"not_stored", p.rejected},
                                            {"tokens", client_.tokensObtained()}});
        pass_.reset();
        return {};
    }

    std::string instance_;
    Timestamp now() const { return clock_ ? clock_->now() : SystemClock().now(); }

    const Clock* clock_;  ///< nullptr: the system clock.
    somtoday::Client client_;
    SourceSettings s_;
    std::unique_ptr<Pass> pass_;
    Timestamp next_pass_at_{};
    Timestamp retry_at_{};
};

class SomtodaySourceFactory final : public connector::SourceFactory {
  public:
    explicit SomtodaySourceFactory(const Clock* clock) : clock_(clock) {}
    std::string name() const override { return "somtoday-rest"; }
    std::string description() const override {
        return "Haalt leerlingen met verzorgers, resultaten en absenties op uit een "
               "SomToday-achtige REST-API (OAuth2, paginering, alleen wijzigingen sinds de "
               "vorige keer).";
    }
    std::vector<OptionSpec> options() const override {
        auto o = somtoday::commonOptions();
        o.push_back({"cursor_file", OptionType::kPath, nullptr, true, false,
                     "File holding the sync cursor (changed-since), written atomically after "
                     "every item of a pass is stored. Missing: the first pass is a full sync."});
        o.push_back({"page_size", OptionType::kInt, 100, false, false,
                     "Items asked for per request (Range: items=a-b); the server may send fewer."});
        o.push_back({"interval", OptionType::kDurationMs, "5m", false, false,
                     "Minimum time between the starts of two sync passes."});
        o.push_back({"retry_interval", OptionType::kDurationMs, "30s", false, false,
                     "Wait after a failed request before the pass is resumed."});
        o.push_back({"cursor_overlap", OptionType::kDurationMs, "60s", false, false,
                     "Subtracted from the server's time when the cursor is set (clock and "
                     "commit-order safety); items read twice are recognised."});
        return o;
    }

    Status check(const std::string& instance, const connector::Options& o) const override {
        // Refuses insecure_skip_verify and non-https URLs already in check-config.
        auto cs = somtoday::clientSettingsFrom("bron " + instance + ": ", o);
        if (!cs) return cs.error();
        return {};
    }

    Result<std::unique_ptr<connector::Source>> create(const std::string& instance,
                                                      const connector::Options& o) const override {
        std::string prefix = "bron " + instance + ": ";
        auto cs = somtoday::clientSettingsFrom(prefix, o);
        if (!cs) return cs.error();
        cs->clock = clock_;
        SourceSettings s;
        s.cursor_file = o.str("cursor_file");
        std::error_code ec;
        fs::path dir =
            s.cursor_file.parent_path().empty() ? fs::path(".") : s.cursor_file.parent_path();
        if (s.cursor_file.filename().empty() || !fs::is_directory(dir, ec))
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "cursor_file: map " + dir.string() + " bestaat niet"};
        if (fs::exists(s.cursor_file, ec) && !fs::is_regular_file(s.cursor_file, ec))
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "cursor_file " + s.cursor_file.string() + " is geen bestand"};
        s.page_size = o.integer("page_size");
        if (s.page_size < 1 || s.page_size > 10000)
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "page_size moet tussen 1 en 10000 liggen"};
        s.interval = o.duration("interval");
        s.retry_interval = o.duration("retry_interval");
        s.overlap = o.duration("cursor_overlap");
        if (s.interval.count() < 0 || s.retry_interval.count() < 0 || s.overlap.count() < 0)
            return Error{
                ErrorCode::kInvalidConfig,
                prefix + "interval, retry_interval en cursor_overlap mogen niet negatief zijn"};
        return std::unique_ptr<connector::Source>(
            std::make_unique<SomtodaySource>(instance, std::move(*cs), std::move(s)));
    }

  private:
    const Clock* clock_;
};

}  // namespace

std::unique_ptr<connector::SourceFactory> makeSomtodaySourceFactory(const Clock* clock) {
    return std::make_unique<SomtodaySourceFactory>(clock);
}

}  // namespace sluis::connectors
