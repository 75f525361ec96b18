package io.pgfleet.dataplane.compat;

import io.pgfleet.testkit.TestNode;
import org.postgresql.ds.PGSimpleDataSource;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pgjdbc DataSource for a node (its {@link TestNode#url()}, prepareThreshold=1) that
 * remembers every SQLException its connections and statements throw, in order. Frameworks
 * retry, roll back and sometimes swallow errors (Flyway retries schema creation ten times;
 * Hibernate's find() returns null once the transaction is marked for rollback), so what they
 * finally throw is often not what the node answered; {@link #errors()} is.
 */
final class RecordingDataSource {
    private static final Set<Class<?>> WRAPPED = Set.of(Connection.class, Statement.class, PreparedStatement.class,
            CallableStatement.class);

    private final List<SQLException> errors = new CopyOnWriteArrayList<>();
    private final DataSource dataSource;

    RecordingDataSource(TestNode node) {
        PGSimpleDataSource target = new PGSimpleDataSource();
        target.setURL(node.url());
        target.setUser(node.user());
        target.setPassword(TestNode.PASSWORD);
        this.dataSource = wrap(target, DataSource.class);
    }

    DataSource dataSource() {
        return dataSource;
    }

    /** Every SQLException thrown so far, oldest first. */
    List<SQLException> errors() {
        return errors;
    }

    /** The first error was the node's statement-mode refusal of a transaction block (25001). */
    void assertFirstErrorIsStatementModeRefusal() {
        assertThat(errors).as("SQLExceptions the driver threw").isNotEmpty();
        SQLException first = errors.get(0);
        assertThat(first.getSQLState()).as("the first: %s", first).isEqualTo("25001");
        assertThat(first.getMessage()).contains("transaction blocks are not allowed in statement pooling mode (pool_mode=statement)");
    }

    private <T> T wrap(Object target, Class<T> type) {
        return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{type}, (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof SQLException sql) {
                    errors.add(sql);
                }
                throw e.getCause();
            }
            Class<?> returned = method.getReturnType();
            return result != null && WRAPPED.contains(returned) ? wrap(result, returned) : result;
        }));
    }
}
