#include "connectors/directory/directory.h"

namespace sluis::connectors {

Status registerDirectory(connector::ConnectorRegistry& registry) {
    SLUIS_RETURN_IF_ERROR(registry.addSource(makeDirectorySourceFactory()));
    return registry.addSink(makeDirectorySinkFactory());
}

}  // namespace sluis::connectors
