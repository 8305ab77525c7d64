// The WHERE clause builder (where.h).
#include "core/store/sql/where.h"

namespace sluis::store::sql {

Where& Where::plain(const std::string& condition) {
    where_ += (where_.empty() ? " WHERE " : " AND ") + condition;
    return *this;
}

Where& Where::bindText(std::string value) {
    order_.emplace_back(true, texts_.size());
    texts_.push_back(std::move(value));
    return *this;
}

Where& Where::text(const std::string& condition, std::string value) {
    plain(condition);
    return bindText(std::move(value));
}

Where& Where::number(const std::string& condition, Poco::Int64 value) {
    plain(condition);
    order_.emplace_back(false, numbers_.size());
    numbers_.push_back(value);
    return *this;
}

Where& Where::in(const std::string& column, const std::vector<std::string>& values) {
    if (values.empty()) return plain("1 = 0");
    std::string marks;
    for (size_t i = 0; i < values.size(); ++i) marks += i ? ", ?" : "?";
    plain(column + " IN (" + marks + ")");
    for (const auto& v : values) bindText(v);
    return *this;
}

std::string Where::sql() const { return where_; }

void Where::bind(Statement& s) {
    for (auto [is_text, i] : order_) {
        if (is_text) s, use(texts_[i]);
        else s, use(numbers_[i]);
    }
}

}  // namespace sluis::store::sql
