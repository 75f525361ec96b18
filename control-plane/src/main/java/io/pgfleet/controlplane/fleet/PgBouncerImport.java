package io.pgfleet.controlplane.fleet;

/** Interim placeholder; the real mapping lands from the import work. */
public final class PgBouncerImport {
    private PgBouncerImport() {
    }

    public static ImportedState parse(String pgbouncerIni, String userlist) {
        throw new ValidationException("import is not available yet");
    }
}
