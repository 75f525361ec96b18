package io.pgfleet.dataplane.console;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A console result: its columns and rows of text values (null for SQL NULL). */
public final class Table {
    private final List<Column> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public Table(Column... columns) {
        this.columns = List.of(columns);
    }

    /** Adds a row; values are turned into text ({@code null} stays NULL). */
    public Table row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("row of " + values.length + " values for " + columns.size() + " columns");
        }
        rows.add(Arrays.stream(values).map(v -> v == null ? null : v.toString()).toList());
        return this;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<String> columnNames() {
        return columns.stream().map(Column::name).toList();
    }

    public List<List<String>> rows() {
        return rows;
    }
}
