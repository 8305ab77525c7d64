#include "core/store/audit_checkpoints.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/util/file_clock.h"
#include "core/util/json.h"

namespace sluis::store {

nlohmann::json checkpointToJson(const AuditCheckpoint& cp) {
    return {{"seq", cp.seq},
            {"hash", cp.hash},
            {"at", formatIso(cp.at)},
            {"public_key", cp.public_key},
            {"signature", cp.signature}};
}

Result<AuditCheckpoint> checkpointFromJson(const nlohmann::json& j, const std::string& where) {
    auto bad = [&](const std::string& field) {
        return Error{ErrorCode::kInvalidArgument,
                     where + ": checkpoint: veld '" + field + "' ontbreekt of is ongeldig"};
    };
    if (!j.is_object()) return Error{ErrorCode::kInvalidArgument, where + ": geen JSON-object"};
    AuditCheckpoint cp;
    if (!j.contains("seq") || !j["seq"].is_number_integer() || j["seq"].get<long long>() < 0) return bad("seq");
    cp.seq = j["seq"].get<long long>();
    for (auto [name, field] : {std::pair{"hash", &cp.hash}, std::pair{"public_key", &cp.public_key},
                               std::pair{"signature", &cp.signature}}) {
        if (!j.contains(name) || !j[name].is_string()) return bad(name);
        *field = j[name].get<std::string>();
    }
    if (!j.contains("at") || !j["at"].is_string()) return bad("at");
    auto at = parseIsoUtc(j["at"].get<std::string>());
    if (!at) return bad("at");
    cp.at = *at;
    return cp;
}

Result<std::vector<AuditCheckpoint>> readCheckpointFile(const std::filesystem::path& path) {
    std::vector<AuditCheckpoint> out;
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return out;
        return Error{ErrorCode::kStorage, "checkpointbestand " + path.string() +
                                              " kan niet worden gelezen: " + std::strerror(errno)};
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{ErrorCode::kStorage, "checkpointbestand " + path.string() + " is geen gewoon bestand"};
    }
    std::string text;
    char buf[65536];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) text.append(buf, static_cast<size_t>(n));
    ::close(fd);
    size_t line_no = 0, pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path.string() + ":" + std::to_string(line_no);
        auto j = util::parseJsonOrDiscarded(line);
        if (j.is_discarded())
            return Error{ErrorCode::kInvalidArgument, where + ": geen geldige JSON"};
        auto cp = checkpointFromJson(j, where);
        if (!cp) return cp.error();
        out.push_back(std::move(*cp));
    }
    return out;
}

Status appendCheckpointFile(const std::filesystem::path& path, const AuditCheckpoint& cp) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error{ErrorCode::kStorage, "checkpointbestand " + path.string() +
                                              " kan niet worden geschreven: " + std::strerror(errno)};
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{ErrorCode::kStorage, "checkpointbestand " + path.string() + " is geen gewoon bestand"};
    }
    std::string line = checkpointToJson(cp).dump() + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok)
        return Error{ErrorCode::kStorage,
                     "checkpointbestand " + path.string() + ": schrijven mislukt: " + std::strerror(err)};
    return {};
}

Result<std::optional<AuditCheckpoint>> writeCheckpoint(TransferStore& store, const std::filesystem::path& path,
                                                       Timestamp now, bool force) {
    auto cp = store.auditCheckpoint(now);
    if (!cp) return cp.error();
    if (!force) {
        auto existing = readCheckpointFile(path);
        if (!existing) return existing.error();
        if (!existing->empty() && existing->back().seq == cp->seq && existing->back().hash == cp->hash)
            return std::optional<AuditCheckpoint>();
    }
    SLUIS_RETURN_IF_ERROR(appendCheckpointFile(path, *cp));
    return std::optional<AuditCheckpoint>(*cp);
}

}  // namespace sluis::store
