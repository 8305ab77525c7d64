#pragma once
/// The disclosure register: everything that was delivered about one pupil — when, to whom,
/// for which purpose and on which legal basis, which categories and fields, under which consent or
/// inzage, approved by whom. Built from transfer metadata, history and approvals (never from
/// payloads, which may have been purged), and rendered as a printable Dutch report. With
/// `purposes`, only deliveries for those purposes (what the reader may see).
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "core/config/config.h"
#include "core/store/transfer_store.h"

namespace sluis::policy {

Result<nlohmann::json> disclosureRegister(const config::Config& config, store::TransferStore& store,
                                          const std::string& pupil,
                                          const std::optional<std::set<std::string>>& purposes = std::nullopt);

/// `format`: "text" or "html". The report names field paths, never values.
std::string renderDisclosureReport(const nlohmann::json& reg, const std::string& format);

}  // namespace sluis::policy
