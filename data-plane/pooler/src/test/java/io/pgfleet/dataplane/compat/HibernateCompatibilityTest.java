package io.pgfleet.dataplane.compat;

import io.pgfleet.dataplane.config.PoolMode;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import org.hibernate.Session;
import org.hibernate.SessionFactory;
import org.hibernate.StaleStateException;
import org.hibernate.Transaction;
import org.hibernate.TransactionException;
import org.hibernate.cfg.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A real Hibernate ORM session factory through a node in each pool mode, with one versioned
 * entity and a sequence-generated id: schema generation, batched inserts, optimistic
 * locking, and paged HQL queries. Connections come from a non-pooling pgjdbc DataSource
 * (autocommit on, as a Hikari pool hands them out; the node is the pool). Every Hibernate
 * transaction is a transaction block, so statement mode refuses it (25001); queries outside
 * a transaction work there. Results are checked straight on PostgreSQL.
 */
@Driver(value = "Hibernate ORM {version} on pgjdbc, prepareThreshold=1", notes = "A SessionFactory with one versioned entity "
        + "(sequence ids, pooled optimizer); connections from a non-pooling pgjdbc DataSource with autocommit on, as a "
        + "Hikari pool hands them out: the node is the pool. Every Hibernate transaction is a transaction block.")
@ExtendWith(CompatibilityRecorder.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HibernateCompatibilityTest {
    private static ModeNodes nodes;
    private static final Map<PoolMode, SessionFactory> FACTORIES = new EnumMap<>(PoolMode.class);
    private static final Map<PoolMode, RecordingDataSource> DATA_SOURCES = new EnumMap<>(PoolMode.class);

    @Entity(name = "Account")
    @Table(name = "account")
    static class Account {
        @Id
        @GeneratedValue(strategy = GenerationType.SEQUENCE)
        Long id;
        @Version
        long version;
        String owner;
        long balance;

        Account() {
        }

        Account(String owner, long balance) {
            this.owner = owner;
            this.balance = balance;
        }
    }

    @BeforeAll
    static void start() {
        Compat.driverVersion(org.hibernate.Version.getVersionString());
        nodes = ModeNodes.start("compat_hibernate");
    }

    @AfterAll
    static void stop() {
        FACTORIES.values().forEach(SessionFactory::close);
        if (nodes != null) {
            nodes.close();
        }
    }

    /**
     * Built on first use, which creates the schema (drop and create) through the node. Its
     * connections come from a {@link RecordingDataSource} (autocommit on, as a Hikari pool
     * hands them out), so statement mode's refusal can be checked whatever Hibernate reports.
     */
    private static SessionFactory factory(PoolMode mode) {
        return FACTORIES.computeIfAbsent(mode, m -> {
            RecordingDataSource ds = new RecordingDataSource(nodes.get(m));
            DATA_SOURCES.put(m, ds);
            Configuration configuration = new Configuration()
                    .addAnnotatedClass(Account.class)
                    .setProperty("hibernate.hbm2ddl.auto", "create")
                    .setProperty("hibernate.jdbc.batch_size", "20")
                    .setProperty("hibernate.order_inserts", "true");
            configuration.getProperties().put("hibernate.connection.datasource", ds.dataSource());
            return configuration.buildSessionFactory();
        });
    }

    @Order(1)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Schema generation, sequence ids, batched inserts (hibernate.jdbc.batch_size=20)")
    void persistInBatches(PoolMode mode) throws Exception {
        SessionFactory factory = factory(mode);
        if (mode == PoolMode.STATEMENT) {
            assertThatThrownBy(() -> factory.inTransaction(s -> s.persist(new Account("never", 1))));
            DATA_SOURCES.get(mode).assertFirstErrorIsStatementModeRefusal();
            Compat.note(Compat.REFUSED_IN_STATEMENT_MODE);
            assertThat(directLong(mode, "SELECT count(*) FROM account WHERE owner = 'never'")).isZero();
            return;
        }
        factory.inTransaction(s -> {
            for (int i = 0; i < 25; i++) {
                s.persist(new Account("batch-" + i, i));
            }
        });
        assertThat(directLong(mode, "SELECT count(DISTINCT id) FROM account WHERE owner LIKE 'batch-%'")).isEqualTo(25);
        assertThat(directLong(mode, "SELECT sum(balance) FROM account WHERE owner LIKE 'batch-%'")).isEqualTo(300);
    }

    @Order(2)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("Optimistic locking (@Version): a concurrent stale update is rejected")
    void optimisticLocking(PoolMode mode) throws Exception {
        SessionFactory factory = factory(mode);
        direct(mode, "INSERT INTO account (id, version, owner, balance) VALUES (900001, 0, 'contended', 100)");
        if (mode == PoolMode.STATEMENT) {
            Account[] found = {null};
            Throwable thrown = catchThrowable(() -> factory.inTransaction(s -> found[0] = s.find(Account.class, 900001L)));
            DATA_SOURCES.get(mode).assertFirstErrorIsStatementModeRefusal();
            // Hibernate logs the error (HHH90010102), find() returns null as the transaction is
            // marked for rollback, and the rollback on the closed connection then fails.
            assertThat(found[0]).as("what find() returned").isNull();
            assertThat(thrown).isInstanceOf(TransactionException.class);
            Compat.note(Compat.REFUSED_IN_STATEMENT_MODE + "; find() returns null after it (HHH90010102), then the rollback fails");
            assertThat(directLong(mode, "SELECT balance FROM account WHERE id = 900001")).isEqualTo(100);
            return;
        }
        try (Session first = factory.openSession(); Session second = factory.openSession()) {
            Transaction t1 = first.beginTransaction();
            Transaction t2 = second.beginTransaction();
            Account mine = first.find(Account.class, 900001L);
            Account stale = second.find(Account.class, 900001L);
            assertThat(stale.version).isEqualTo(mine.version).isZero();
            mine.balance = 150;
            t1.commit();
            stale.balance = 50;
            assertThatThrownBy(t2::commit).satisfies(e -> assertThat(causes(e))
                    .anyMatch(c -> c instanceof OptimisticLockException || c instanceof StaleStateException));
        }
        assertThat(directLong(mode, "SELECT balance FROM account WHERE id = 900001")).isEqualTo(150);
        assertThat(directLong(mode, "SELECT version FROM account WHERE id = 900001")).isEqualTo(1);
    }

    @Order(3)
    @ParameterizedTest(name = "pool_mode={0}")
    @EnumSource(PoolMode.class)
    @DisplayName("HQL query with parameters and paging, outside a transaction")
    void pagedQuery(PoolMode mode) throws Exception {
        SessionFactory factory = factory(mode);
        direct(mode, "INSERT INTO account (id, version, owner, balance) "
                + "SELECT 800000 + n, 0, 'page-' || lpad(n::text, 2, '0'), n FROM generate_series(0, 29) n");
        try (Session s = factory.openSession()) {
            for (int round = 0; round < 3; round++) {
                List<String> owners = s.createSelectionQuery("from Account where owner like :prefix order by owner", Account.class)
                        .setParameter("prefix", "page-%")
                        .setFirstResult(10)
                        .setMaxResults(5)
                        .getResultList().stream().map(a -> a.owner).toList();
                assertThat(owners).containsExactly("page-10", "page-11", "page-12", "page-13", "page-14");
                s.clear();
            }
        }
    }

    // ---- helpers --------------------------------------------------------------------------

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static void direct(PoolMode mode, String sql) throws SQLException {
        try (Connection c = ModeNodes.direct(nodes.get(mode))) {
            c.createStatement().execute(sql);
        }
    }

    private static long directLong(PoolMode mode, String sql) throws SQLException {
        try (Connection c = ModeNodes.direct(nodes.get(mode)); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
