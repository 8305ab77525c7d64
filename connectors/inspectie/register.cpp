#include "connectors/inspectie/inspectie.h"

namespace sluis::connectors {

Status registerInspectie(connector::ConnectorRegistry& registry) {
    return registry.addSink(makeInspectieSinkFactory());
}

}  // namespace sluis::connectors
