package io.pgfleet.controlplane.stats;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The rollup tables {@code stats_1m} and {@code stats_1h} (migration V5), plain JDBC. Counters
 * are stored as jsonb keyed by the contract's field names and histograms as bytea columns
 * named after the histogram fields, both read from {@link StatsSchema}: a new field needs a
 * new column, and the insert says so, rather than being dropped silently.
 */
@ApplicationScoped
public class RollupStore {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    DataSource db;

    /** The rollup resolutions and their tables. */
    public enum Resolution {
        MINUTE("stats_1m", Duration.ofMinutes(1)), HOUR("stats_1h", Duration.ofHours(1));

        final String table;
        final Duration width;

        Resolution(String table, Duration width) {
            this.table = table;
            this.width = width;
        }
    }

    private static String histogramColumns() {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < StatsSchema.POOL.histogramCount(); i++) {
            s.append(", ").append(StatsSchema.POOL.histograms.get(i).getName());
        }
        return s.toString();
    }

    /** Writes {@code rows} of this replica in one JDBC batch, in one transaction. */
    public void write(Resolution resolution, String replica, List<RollupRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try {
                writeIn(c, resolution, replica, rows);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** One JDBC batch on {@code c}, in the caller's transaction. */
    void writeIn(Connection c, Resolution resolution, String replica, List<RollupRow> rows) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        int h = StatsSchema.POOL.histogramCount();
        String sql = "INSERT INTO " + resolution.table + " (bucket, fleet, kind, node_id, database, username, application_name, "
                + "replica, counters" + histogramColumns() + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb" + ", ?".repeat(h)
                + ") ON CONFLICT DO NOTHING";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (RollupRow row : rows) {
                s.setTimestamp(1, new Timestamp(row.bucketMs()));
                s.setString(2, row.fleet());
                s.setString(3, row.dimension().id());
                s.setString(4, nz(row.node()));
                s.setString(5, nz(row.database()));
                s.setString(6, nz(row.user()));
                s.setString(7, nz(row.applicationName()));
                s.setString(8, replica);
                s.setString(9, countersJson(row));
                for (int i = 0; i < h; i++) {
                    s.setBytes(10 + i, row.histograms() == null ? null : row.histograms()[i]);
                }
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Every row (of every replica) of {@code fleet} and {@code dimension} with a bucket in [fromMs, toMs). */
    public void read(Resolution resolution, String fleet, Dimension dimension, long fromMs, long toMs, Consumer<RollupRow> rows)
            throws SQLException {
        String sql = "SELECT bucket, node_id, database, username, application_name, counters::text" + histogramColumns()
                + " FROM " + resolution.table + " WHERE fleet = ? AND kind = ? AND bucket >= ? AND bucket < ? ORDER BY bucket";
        try (Connection c = db.getConnection()) {
            // pgjdbc honours the fetch size (a cursor) only outside autocommit; in autocommit it
            // loads the whole result into memory first.
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(sql)) {
                s.setString(1, fleet);
                s.setString(2, dimension.id());
                s.setTimestamp(3, new Timestamp(fromMs));
                s.setTimestamp(4, new Timestamp(toMs));
                s.setFetchSize(FETCH_SIZE);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows.accept(row(rs, fleet, dimension));
                    }
                }
            } finally {
                try {
                    c.rollback(); // read only: nothing to keep
                } finally {
                    c.setAutoCommit(autoCommit);
                }
            }
        }
    }

    static final int FETCH_SIZE = 2000;

    /** The rows of every replica with a bucket in [fromMs, toMs), all dimensions and fleets (for the hourly rollup). */
    List<RollupRow> readAll(Resolution resolution, long fromMs, long toMs, Connection c) throws SQLException {
        String sql = "SELECT bucket, node_id, database, username, application_name, counters::text" + histogramColumns()
                + ", fleet, kind FROM " + resolution.table + " WHERE bucket >= ? AND bucket < ?";
        List<RollupRow> out = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, new Timestamp(fromMs));
            s.setTimestamp(2, new Timestamp(toMs));
            s.setFetchSize(2000);
            try (ResultSet rs = s.executeQuery()) {
                int h = StatsSchema.POOL.histogramCount();
                while (rs.next()) {
                    out.add(row(rs, rs.getString(7 + h), Dimension.parse(rs.getString(8 + h))));
                }
            }
        }
        return out;
    }

    private static RollupRow row(ResultSet rs, String fleet, Dimension dimension) throws SQLException {
        int h = StatsSchema.POOL.histogramCount();
        StatsSchema.Shape shape = dimension.shape;
        long[] counters = new long[shape.counterCount()];
        long[] nodeCounters = dimension.nodeCounters ? new long[StatsSchema.NODE.counterCount()] : null;
        try {
            JsonNode json = JSON.readTree(rs.getString(6));
            for (int i = 0; i < counters.length; i++) {
                counters[i] = json.path(shape.counterName(i)).asLong(0);
            }
            if (nodeCounters != null) {
                for (int i = 0; i < nodeCounters.length; i++) {
                    nodeCounters[i] = json.path(StatsSchema.NODE.counterName(i)).asLong(0);
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new SQLException("unreadable counters in a rollup row: " + e.getOriginalMessage());
        }
        byte[][] histograms = new byte[h][];
        for (int i = 0; i < h; i++) {
            histograms[i] = rs.getBytes(7 + i);
        }
        return new RollupRow(rs.getTimestamp(1).getTime(), fleet, dimension, rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getString(5), counters, nodeCounters, histograms);
    }

    private static String countersJson(RollupRow row) {
        StatsSchema.Shape shape = row.dimension().shape;
        StringBuilder s = new StringBuilder("{");
        for (int i = 0; i < row.counters().length; i++) {
            s.append(i == 0 ? "" : ",").append('"').append(shape.counterName(i)).append("\":").append(row.counters()[i]);
        }
        if (row.nodeCounters() != null) {
            for (int i = 0; i < row.nodeCounters().length; i++) {
                s.append(",\"").append(StatsSchema.NODE.counterName(i)).append("\":").append(row.nodeCounters()[i]);
            }
        }
        return s.append('}').toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    Connection connection() throws SQLException {
        return db.getConnection();
    }

    /** Deletes rows older than the retention; returns how many. */
    public int deleteOlderThan(Resolution resolution, Duration retention) throws SQLException {
        try (Connection c = db.getConnection();
             PreparedStatement s = c.prepareStatement("DELETE FROM " + resolution.table + " WHERE bucket < now() - ?::interval")) {
            s.setString(1, retention.toSeconds() + " seconds");
            return s.executeUpdate();
        }
    }
}
