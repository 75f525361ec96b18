package io.pgfleet.dataplane.console;

/** A column of a console result: its name and the PostgreSQL type it is described with. */
public record Column(String name, Type type) {
    /** The types PgBouncer's console uses; values always travel as text. */
    public enum Type {
        TEXT(25, -1), INT4(23, 4), INT8(20, 8), NUMERIC(1700, -1);

        final int oid;
        final int length;

        Type(int oid, int length) {
            this.oid = oid;
            this.length = length;
        }
    }

    public static Column text(String name) {
        return new Column(name, Type.TEXT);
    }

    public static Column int4(String name) {
        return new Column(name, Type.INT4);
    }

    public static Column int8(String name) {
        return new Column(name, Type.INT8);
    }

    public static Column numeric(String name) {
        return new Column(name, Type.NUMERIC);
    }
}
