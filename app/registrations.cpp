// The one place that knows every plugin compiled into `sluis` (explicit registration, no static
// initialisers). Adding a connector or mapper: add its library in its CMakeLists.txt and one line here.
#include "app/cli.h"
#include "connectors/directory/directory.h"
#include "connectors/inspectie/inspectie.h"
#include "connectors/somtoday/somtoday.h"
#include "mapping/canonical/canonical_mapper.h"
#include "mapping/magister/magister_decoder.h"
#include "mapping/oso/oso_mapper.h"
#include "mapping/somtoday/somtoday_mapper.h"
#include "mapping/vensters/vensters_mapper.h"

namespace sluis::app {

namespace {

Status registerWith(connector::ConnectorRegistry& connectors, mapper::MapperRegistry& mappers,
                    const Clock* clock) {
    SLUIS_RETURN_IF_ERROR(sluis::connectors::registerDirectory(connectors, clock));
    SLUIS_RETURN_IF_ERROR(sluis::connectors::registerInspectie(connectors));
    SLUIS_RETURN_IF_ERROR(sluis::connectors::registerSomtoday(connectors, clock));
    SLUIS_RETURN_IF_ERROR(mapping::registerCanonicalMappers(mappers));
    SLUIS_RETURN_IF_ERROR(mapping::registerMagisterMappers(mappers));
    SLUIS_RETURN_IF_ERROR(mapping::registerOsoMappers(mappers));
    SLUIS_RETURN_IF_ERROR(mapping::registerSomtodayMappers(mappers));
    SLUIS_RETURN_IF_ERROR(vensters::registerVenstersMappers(mappers));
    return {};
}

}  // namespace

Status registerAll(connector::ConnectorRegistry& connectors, mapper::MapperRegistry& mappers,
                   const Clock& clock) {
    return registerWith(connectors, mappers, &clock);
}

Status registerAll(connector::ConnectorRegistry& connectors, mapper::MapperRegistry& mappers) {
    return registerWith(connectors, mappers, nullptr);
}

}  // namespace sluis::app
