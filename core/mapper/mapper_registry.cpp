#include "core/mapper/mapper.h"

namespace sluis::mapper {

Status MapperRegistry::addDecoder(std::unique_ptr<Decoder> d) {
    auto name = d->name();
    if (!decoders_.emplace(name, std::move(d)).second)
        return {ErrorCode::kAlreadyExists, "decoder '" + name + "' is twee keer geregistreerd"};
    return {};
}

Status MapperRegistry::addEncoder(std::unique_ptr<Encoder> e) {
    auto name = e->name();
    if (!encoders_.emplace(name, std::move(e)).second)
        return {ErrorCode::kAlreadyExists, "encoder '" + name + "' is twee keer geregistreerd"};
    return {};
}

const Decoder* MapperRegistry::decoder(const std::string& name) const {
    auto it = decoders_.find(name);
    return it == decoders_.end() ? nullptr : it->second.get();
}

const Encoder* MapperRegistry::encoder(const std::string& name) const {
    auto it = encoders_.find(name);
    return it == encoders_.end() ? nullptr : it->second.get();
}

std::vector<std::string> MapperRegistry::decoderNames() const {
    std::vector<std::string> out;
    for (auto& [k, v] : decoders_) out.push_back(k);
    return out;
}

std::vector<std::string> MapperRegistry::encoderNames() const {
    std::vector<std::string> out;
    for (auto& [k, v] : encoders_) out.push_back(k);
    return out;
}

}  // namespace sluis::mapper
