package io.pgfleet.controlplane.fleet;

/** How many upstreams an import of this ini should create: its [databases] entries except the * fallback. */
final class ImportedDatabases {
    private ImportedDatabases() {
    }

    static int count(String ini) {
        return (int) PgBouncerImport.convert(ini, null).upstreams().size();
    }
}
