#pragma once
/// A WHERE clause made of only the conditions that apply, every value bound (never spliced into
/// the statement). One builder for the transfer lists and counts and the audit search, so the
/// indexes serve exactly the conditions a caller set, and no "(? = '' OR col = ?)" forces a scan.
#include <deque>
#include <string>
#include <vector>

#include "core/store/sql/session.h"

namespace sluis::store::sql {

class Where {
public:
    /// A condition with one `?`, and its value.
    Where& text(const std::string& condition, std::string value);
    Where& number(const std::string& condition, Poco::Int64 value);
    /// A condition without values.
    Where& plain(const std::string& condition);
    /// `column IN (?, ?, ...)`, one placeholder a value; no values: nothing matches.
    Where& in(const std::string& column, const std::vector<std::string>& values);
    /// A value for a condition with more than one `?` (added with plain()), in placeholder order.
    Where& bindText(std::string value);

    /// "" or " WHERE a AND b ...".
    std::string sql() const;
    /// Binds the values in placeholder order. The Where must outlive the statement's execution
    /// (Poco binds references) and get no further values afterwards.
    void bind(Statement& s);

private:
    std::string where_;
    // deques: adding never moves the values already there.
    std::deque<std::string> texts_;
    std::deque<Poco::Int64> numbers_;
    std::vector<std::pair<bool, size_t>> order_;  // (is text, index), in placeholder order
};

}  // namespace sluis::store::sql
