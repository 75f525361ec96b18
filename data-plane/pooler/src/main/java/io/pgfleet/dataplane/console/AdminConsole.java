package io.pgfleet.dataplane.console;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.pgfleet.dataplane.client.ClientView;
import io.pgfleet.dataplane.client.PoolerContext;
import io.pgfleet.dataplane.config.PoolerConfig;
import io.pgfleet.dataplane.protocol.BackendMessages;
import io.pgfleet.dataplane.protocol.PgProtocolException;
import io.pgfleet.dataplane.protocol.SqlState;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin console: a client logged in to the virtual database {@code pgbouncer}. It never
 * touches a server. Only the simple query protocol, as in PgBouncer; commands are read by
 * {@link ConsoleCommand}, views made by {@link ConsoleViews}. Runs on the client's loop;
 * a command that needs the clients of other loops (SHOW CLIENTS, SERVERS) answers once
 * they replied, and later messages wait their turn.
 */
public final class AdminConsole extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = Logger.getLogger(AdminConsole.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The virtual database's name. */
    public static final String DATABASE = "pgbouncer";

    /** SQLSTATE of PgBouncer's console errors (admin_error). */
    static final String CONSOLE_ERROR = SqlState.PROTOCOL_VIOLATION;

    /** Extended-protocol and other messages the console refuses (Sync ends the refusal). */
    private static final Set<Byte> EXTENDED = Set.of((byte) 'P', (byte) 'B', (byte) 'D', (byte) 'E', (byte) 'F',
            (byte) 'd', (byte) 'c', (byte) 'f');

    /** PgBouncer's commands that this node does not run yet (admin only). */
    private static final Set<String> NOT_YET = Set.of("PAUSE", "RESUME", "RECONNECT", "KILL", "KILL_CLIENT", "DISABLE",
            "ENABLE", "RELOAD", "WAIT_CLOSE", "SHUTDOWN", "SUSPEND", "SET", "SELECT");
    /** PgBouncer's SHOW views that this node does not have yet. */
    private static final Set<String> SHOW_NOT_YET = Set.of("USERS", "STATS_TOTALS", "STATS_AVERAGES", "TOTALS", "MEM",
            "STATE", "FDS", "SOCKETS", "ACTIVE_SOCKETS", "DNS_HOSTS", "DNS_ZONES", "PEERS", "PEER_POOLS");

    /** {@code SET name = value} or {@code SET name TO value}. */
    private static final Pattern SET = Pattern.compile("\\s*SET\\s+(\\w+)\\s*(?:=|\\s+TO\\s+)\\s*(.*?)\\s*;?\\s*",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    /**
     * Session parameters a SET of which is answered "SET ignored": PgBouncer's list, and
     * extra_float_digits and application_name, which pgjdbc sets after login.
     */
    private static final Set<String> IGNORED_SETTINGS = Set.of("client_encoding", "default_transaction_isolation",
            "standard_conforming_strings", "datestyle", "timezone", "extra_float_digits", "application_name");

    /** Who may do what: admin_users everything, stats_users SHOW only. */
    public enum Role { ADMIN, STATS }

    private final PoolerContext pooler;
    private final Channel channel;
    private final String user;
    private final Role role;
    private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>();
    private boolean busy;
    /** An extended-protocol message was refused: skip until Sync, as a server does after an error. */
    private boolean refusing;

    public AdminConsole(PoolerContext pooler, Channel channel, String user, Role role) {
        this.pooler = pooler;
        this.channel = channel;
        this.user = user;
        this.role = role;
    }

    /** The console role of a user, or null when the user is in neither admin_users nor stats_users. */
    public static Role roleOf(PoolerConfig config, String user) {
        if (config.adminUsers().contains(user)) {
            return Role.ADMIN;
        }
        return config.statsUsers().contains(user) ? Role.STATS : null;
    }

    /** After authentication: the parameters PgBouncer's console reports, a cancel key, ReadyForQuery. */
    public void begin() {
        var alloc = channel.alloc();
        channel.write(BackendMessages.authenticationOk(alloc));
        channel.write(BackendMessages.parameterStatus(alloc, "server_version", "1.25.1/bouncer"));
        channel.write(BackendMessages.parameterStatus(alloc, "client_encoding", "UTF8"));
        channel.write(BackendMessages.parameterStatus(alloc, "server_encoding", "UTF8"));
        channel.write(BackendMessages.parameterStatus(alloc, "DateStyle", "ISO"));
        channel.write(BackendMessages.parameterStatus(alloc, "TimeZone", "GMT"));
        channel.write(BackendMessages.parameterStatus(alloc, "standard_conforming_strings", "on"));
        channel.write(BackendMessages.parameterStatus(alloc, "is_superuser", "on")); // as PgBouncer, for stats users too
        channel.write(BackendMessages.backendKeyData(alloc, RANDOM.nextInt() & Integer.MAX_VALUE, RANDOM.nextInt()));
        channel.writeAndFlush(BackendMessages.readyForQuery(alloc, (byte) 'I'));
        LOG.debugf("client %s logged in to the admin console as %s (%s)", channel.remoteAddress(), user, role);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        pending.add((ByteBuf) msg);
        drain();
    }

    private void drain() {
        while (!busy && !pending.isEmpty() && channel.isActive()) {
            ByteBuf frame = pending.poll();
            try {
                handle(frame);
            } finally {
                frame.release();
            }
        }
        if (!channel.isActive()) {
            pending.forEach(ByteBuf::release);
            pending.clear();
        }
    }

    private void handle(ByteBuf frame) {
        byte type = frame.getByte(frame.readerIndex());
        if (type == 'X') {
            channel.close();
            return;
        }
        if (type == 'S') {
            refusing = false;
            channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), (byte) 'I'));
            return;
        }
        if (refusing) {
            return; // after a refused extended-protocol message everything up to Sync is skipped, as a server does
        }
        if (type == 'C') {
            // Close of a statement or portal the console never made: nothing to do, as PostgreSQL answers it
            channel.write(BackendMessages.empty(channel.alloc(), BackendMessages.CLOSE_COMPLETE));
            return;
        }
        if (type == 'H') {
            channel.flush();
            return;
        }
        if (EXTENDED.contains(type)) {
            refusing = type != 'F'; // a function call is answered at once, like a query
            channel.write(error("extended query protocol not supported by admin console")); // PgBouncer's words
            if (!refusing) {
                ready();
            } else {
                channel.flush();
            }
            return;
        }
        if (type != 'Q') {
            throw new PgProtocolException(SqlState.PROTOCOL_VIOLATION, "unexpected message type '" + (char) type + "'");
        }
        String sql = frame.toString(frame.readerIndex() + 5, frame.readableBytes() - 6, StandardCharsets.UTF_8);
        query(sql);
    }

    private void query(String sql) {
        if (ConsoleCommand.isEmpty(sql)) {
            channel.write(ResultWriter.emptyQueryResponse(channel.alloc()));
            ready();
            return;
        }
        Matcher set = SET.matcher(sql);
        if (set.matches() && IGNORED_SETTINGS.contains(set.group(1).toLowerCase(Locale.ROOT))) {
            // As PgBouncer: drivers set session parameters at login; the console ignores them.
            channel.write(ResultWriter.notice(channel.alloc(), "SET ignored", null));
            channel.write(BackendMessages.commandComplete(channel.alloc(), "SET"));
            ready();
            return;
        }
        ConsoleCommand command = ConsoleCommand.parse(sql);
        if (command == null) {
            fail(invalid(sql));
            return;
        }
        if (!command.verb().equals("SHOW")) {
            if (role != Role.ADMIN) {
                fail("admin access needed");
            } else if (NOT_YET.contains(command.verb())) {
                fail(command.verb() + " is not supported by this node's admin console yet");
            } else {
                fail(invalid(sql));
            }
            return;
        }
        if (command.argument().equals("HELP")) {
            channel.write(ResultWriter.notice(channel.alloc(), "Console usage", help()));
            channel.write(BackendMessages.commandComplete(channel.alloc(), "SHOW"));
            ready();
            return;
        }
        Function<ConsoleSnapshot, Table> view = ConsoleViews.VIEWS.get(command.argument());
        if (view == null) {
            fail(SHOW_NOT_YET.contains(command.argument())
                    ? "SHOW " + command.argument() + " is not supported by this node's admin console yet"
                    : invalid(sql));
            return;
        }
        CompletableFuture<List<ClientView>> clients = command.argument().equals("CLIENTS") || command.argument().equals("SERVERS")
                ? pooler.clients().views() : CompletableFuture.completedFuture(List.of());
        busy = true;
        clients.whenComplete((list, failure) -> channel.eventLoop().execute(() -> {
            busy = false;
            if (failure != null) {
                LOG.warnf(failure, "admin console: %s failed", command.text());
                fail("internal error");
            } else {
                ConsoleSnapshot snapshot = new ConsoleSnapshot(pooler.settings(), pooler.config().current(),
                        pooler.pools().views(), list, pooler.clients().size(), pooler.pools().paused(),
                        System.nanoTime(), System.currentTimeMillis());
                send(view.apply(snapshot));
            }
            drain();
        }));
    }

    private void send(Table table) {
        var alloc = channel.alloc();
        channel.write(ResultWriter.rowDescription(alloc, table.columns()));
        table.rows().forEach(row -> channel.write(ResultWriter.dataRow(alloc, row)));
        channel.write(BackendMessages.commandComplete(alloc, "SHOW"));
        ready();
    }

    private static String invalid(String sql) {
        return "invalid command '" + sql + "', use SHOW HELP;";
    }

    private static String help() {
        return "\n\tSHOW HELP|CONFIG|DATABASES|POOLS|CLIENTS|SERVERS|VERSION\n\tSHOW LISTS\n\tSHOW STATS";
    }

    private void fail(String message) {
        channel.write(error(message));
        ready();
    }

    private ByteBuf error(String message) {
        return BackendMessages.errorResponse(channel.alloc(), "ERROR", CONSOLE_ERROR, message);
    }

    private void ready() {
        channel.writeAndFlush(BackendMessages.readyForQuery(channel.alloc(), (byte) 'I'));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pending.forEach(ByteBuf::release);
        pending.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof PgProtocolException pe && channel.isActive()) {
            channel.writeAndFlush(BackendMessages.errorResponse(channel.alloc(), "FATAL", pe.sqlState(), pe.getMessage()))
                    .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        } else {
            LOG.debugf("admin console client %s: %s", channel.remoteAddress(), root.toString());
            channel.close();
        }
    }
}
