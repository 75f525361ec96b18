package io.pgfleet.dataplane.compat;

/**
 * What a compatibility test tells {@link CompatibilityRecorder} besides pass or fail. Call
 * from the test's own thread.
 */
public final class Compat {
    /** The client kept its server connection while it held state (pgfleet_session_state=pin). */
    public static final String PINNED = "pinned";
    /** Statement mode refused a transaction block, as documented; the test asserted exactly that. */
    public static final String REFUSED_IN_STATEMENT_MODE = "refused with 25001 (by design)";
    /** pgfleet_session_state=refuse refused a statement that creates session state; the test asserted that. */
    public static final String REFUSED_BY_POLICY = "refused with 0A000 (pgfleet_session_state=refuse)";

    private Compat() {
    }

    /**
     * Says how the feature behaved in this test's pool mode, shown in its cell of the matrix
     * ("pinned", "refused with 25001 (by design)"). Several notes are joined with "; ".
     * Note only what the test asserted.
     */
    public static void note(String note) {
        CompatibilityRecorder.note(note);
    }

    /** The client's version, replacing {@code {version}} in the class's {@link Driver}; call from {@code @BeforeAll}. */
    public static void driverVersion(String version) {
        CompatibilityRecorder.driverVersion(version);
    }

    /** A fact about what the run used ("PostgreSQL server" = "17.11"), listed in the matrix's header. */
    public static void environment(String key, String value) {
        CompatibilityRecorder.environment(key, value);
    }
}
