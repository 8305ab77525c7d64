#pragma once
/// The `inspectie-https` sink: delivers a payload (the Vensters monitoring report, or any other
/// periodic delivery) to a receiver such as the Inspectie over HTTPS with mutual TLS.
/// See connectors/inspectie/README.md for options and the receiver contract.
#include <memory>
#include <string>
#include <string_view>

#include "core/connector/registry.h"

namespace sluis::connectors {

/// Header carrying the transfer's idempotency key; the receiver keeps one delivery per value.
inline constexpr const char* kDeliveryIdHeader = "X-Sluis-Delivery-Id";
/// Header carrying the lower-case hex SHA-256 of the body (binds the delivery to an akkoord).
inline constexpr const char* kPayloadHashHeader = "X-Sluis-Payload-Sha256";

/// Registers sink type `inspectie-https`.
Status registerInspectie(connector::ConnectorRegistry& registry);

std::unique_ptr<connector::SinkFactory> makeInspectieSinkFactory();

/// Maps a complete HTTP answer to an outcome (pure; no I/O):
///   2xx -> delivered, receipt = string (or number) field `receipt_field` of the JSON body;
///   409 -> delivered (the receiver already has this delivery id), receipt = the original one;
///   408, 429, 5xx -> retry later; any other status -> rejected.
/// Messages name the status only, never the body (it may echo personal values).
connector::DeliveryResult classifyInspectieResponse(long http_status, std::string_view body,
                                                    const std::string& receipt_field);

/// Maps a libcurl failure (a CURLcode value) to an outcome with a Dutch message. Transport and
/// TLS failures are retry-later (the core backs off and eventually dead-letters); `detail` is
/// libcurl's error text (names hosts and certificate problems, never payload content).
connector::DeliveryResult classifyInspectieTransportError(int curl_code, const std::string& detail);

}  // namespace sluis::connectors
